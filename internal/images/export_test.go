package images

import "image"

// Photo is photo for the external tests: the one photograph-like test image.
func Photo(w, h int) *image.NRGBA { return photo(w, h) }
