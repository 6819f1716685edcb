package images

import (
	"bytes"
	"encoding/binary"
	"image"
)

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG file, or 1 when it has
// none or it cannot be read. Only the segments before the first scan are walked, and
// only IFD0's Orientation tag is read: the one field we need does not justify an EXIF
// library, and the re-encode drops every other piece of metadata anyway.
func jpegOrientation(data []byte) int {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return 1
	}
	for i := 2; i+1 < len(data); {
		if data[i] != 0xff {
			return 1
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte before a marker
			i++
			continue
		case marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8): // no length field
			i += 2
			continue
		case marker == 0xda || marker == 0xd9: // start of scan or end: no metadata follows
			return 1
		}
		if i+4 > len(data) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF block.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := uint64(bo.Uint32(tiff[4:]))
	if ifd+2 > uint64(len(tiff)) {
		return 1
	}
	count := uint64(bo.Uint16(tiff[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > uint64(len(tiff)) {
			return 1
		}
		entry := tiff[e : e+12]
		if bo.Uint16(entry) != 0x0112 {
			continue
		}
		var v uint32
		switch typ := bo.Uint16(entry[2:]); {
		case bo.Uint32(entry[4:]) != 1:
			return 1
		case typ == 3: // SHORT, left-aligned in the value field
			v = uint32(bo.Uint16(entry[8:]))
		case typ == 4: // LONG, written by a few tools
			v = bo.Uint32(entry[8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}

// orient returns img turned upright for an EXIF orientation (2–8; 1 or anything else is a
// no-op), as Pillow's ImageOps.exif_transpose does. img must be compact with origin (0,0).
func orient(img *image.NRGBA, orientation int) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	// Destination pixel index of source pixel (x, y) is base + x*dx + y*dy.
	var base, dx, dy, dw, dh int
	switch orientation {
	case 2: // mirror left-right
		base, dx, dy, dw, dh = w-1, -1, w, w, h
	case 3: // rotate 180°
		base, dx, dy, dw, dh = (h-1)*w+w-1, -1, -w, w, h
	case 4: // mirror top-bottom
		base, dx, dy, dw, dh = (h-1)*w, 1, -w, w, h
	case 5: // transpose
		base, dx, dy, dw, dh = 0, h, 1, h, w
	case 6: // rotate 90° clockwise
		base, dx, dy, dw, dh = h-1, h, -1, h, w
	case 7: // transverse
		base, dx, dy, dw, dh = (w-1)*h+h-1, -h, -1, h, w
	case 8: // rotate 90° counter-clockwise
		base, dx, dy, dw, dh = (w-1)*h, -h, 1, h, w
	default:
		return img
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	// Walk the source in tiles so that the strided side of a rotation stays in cache.
	const tile = 64
	for ty := 0; ty < h; ty += tile {
		for tx := 0; tx < w; tx += tile {
			for y := ty; y < min(ty+tile, h); y++ {
				row := img.Pix[y*img.Stride:]
				for x := tx; x < min(tx+tile, w); x++ {
					d := 4 * (base + x*dx + y*dy)
					*(*[4]byte)(dst.Pix[d:]) = *(*[4]byte)(row[4*x:])
				}
			}
		}
	}
	return dst
}
