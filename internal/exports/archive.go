// Package exports owns organization data exports: the export jobs (API,
// runner, stale recovery, retention) and the streamed zip archive they
// produce.
package exports

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"time"

	"apistarter/internal/storage"

	"github.com/klauspost/compress/flate"
)

// Archive identification written into manifest.json.
const (
	ArchiveFormat  = "apistarter-org-export"
	ArchiveVersion = 1
	ManifestName   = "manifest.json"
)

// progressEvery is how many rows of a section pass between Progress calls,
// so one huge section still heartbeats.
const progressEvery = 10_000

// compressionLevel trades a little size for speed: JSON compresses well at
// any level, media files are already compressed.
const compressionLevel = 3

// Section is one JSON file of the archive, <Name>.json. Rows streams the
// rows to emit one by one (from a database cursor: nothing is loaded whole).
// With Object the file holds the single row as an object instead of an array.
type Section struct {
	Name   string
	Object bool
	Rows   func(ctx context.Context, emit func(row any) error) error
}

// ObjectGetter is the part of storage.Storage the archive reads media from.
type ObjectGetter interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// MediaFile is one stored object and its path inside the archive.
type MediaFile struct {
	Path string // "media/images/12/abc.webp"
	Key  string // storage key
}

// MediaSet is a group of stored files read from one store. Files streams
// them (from a database cursor).
type MediaSet struct {
	Name  string // counts key, e.g. "media_images"
	Store ObjectGetter
	Files func(ctx context.Context, emit func(MediaFile) error) error
}

// Archive writes one organization's export as a zip stream: a JSON file per
// section, the media files, and manifest.json last (it holds the SHA-256 of
// every other file, computed while writing).
type Archive struct {
	Sections []Section
	Media    []MediaSet
	// Progress is called after each file and every progressEvery rows; an
	// error aborts the archive. Optional.
	Progress func(ctx context.Context) error
	Log      *slog.Logger
	Now      func() time.Time
}

// Manifest is manifest.json.
type Manifest struct {
	Format      string           `json:"format"`
	Version     int              `json:"version"`
	GeneratedAt time.Time        `json:"generated_at"`
	Counts      map[string]int64 `json:"counts"`
	Files       []ManifestFile   `json:"files"`
	Missing     []MissingFile    `json:"missing"`
}

// ManifestFile is one file of the archive with its size and SHA-256 (hex).
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// MissingFile is a media file whose stored object did not exist.
type MissingFile struct {
	Path string `json:"path"`
	Key  string `json:"key"`
}

// Write streams the archive into w and returns its manifest. w sees the zip
// bytes as they are produced; memory does not depend on the number of rows.
func (a *Archive) Write(ctx context.Context, w io.Writer) (*Manifest, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	aw := &archiveWriter{
		ctx: ctx,
		a:   a,
		zw:  zip.NewWriter(w),
		buf: bufio.NewWriterSize(io.Discard, 64<<10),
		sum: sha256.New(),
		at:  now().UTC(),
		log: a.Log,
		man: &Manifest{
			Format: ArchiveFormat, Version: ArchiveVersion, Counts: map[string]int64{},
			Files: []ManifestFile{}, Missing: []MissingFile{},
		},
	}
	if aw.log == nil {
		aw.log = slog.New(slog.DiscardHandler)
	}
	aw.man.GeneratedAt = aw.at
	var fw *flate.Writer
	aw.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		// Entries are written one at a time, so one compressor is reused.
		if fw == nil {
			var err error
			fw, err = flate.NewWriter(out, compressionLevel)
			return fw, err
		}
		fw.Reset(out)
		return fw, nil
	})
	for _, s := range a.Sections {
		if err := aw.section(s); err != nil {
			return nil, fmt.Errorf("exports: archive %s: %w", s.Name, err)
		}
	}
	for _, m := range a.Media {
		if err := aw.media(m); err != nil {
			return nil, fmt.Errorf("exports: archive %s: %w", m.Name, err)
		}
	}
	if err := aw.manifest(); err != nil {
		return nil, fmt.Errorf("exports: archive manifest: %w", err)
	}
	if err := aw.zw.Close(); err != nil {
		return nil, fmt.Errorf("exports: archive close: %w", err)
	}
	return aw.man, nil
}

// archiveWriter is the state of one Write call.
type archiveWriter struct {
	ctx  context.Context
	a    *Archive
	zw   *zip.Writer
	buf  *bufio.Writer // reset onto each entry
	sum  hash.Hash
	size int64
	at   time.Time
	log  *slog.Logger
	man  *Manifest
}

// open starts a zip entry; bytes written to aw.buf are hashed, counted and
// compressed.
func (aw *archiveWriter) open(name string) error {
	ew, err := aw.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: aw.at})
	if err != nil {
		return err
	}
	aw.sum.Reset()
	aw.size = 0
	aw.buf.Reset(io.MultiWriter(ew, aw.sum, (*counter)(&aw.size)))
	return nil
}

// close flushes the entry and records it in the manifest.
func (aw *archiveWriter) close(name string) error {
	if err := aw.buf.Flush(); err != nil {
		return err
	}
	aw.man.Files = append(aw.man.Files, ManifestFile{Path: name, Size: aw.size, SHA256: hex.EncodeToString(aw.sum.Sum(nil))})
	return aw.progress()
}

func (aw *archiveWriter) progress() error {
	if err := aw.ctx.Err(); err != nil {
		return err
	}
	if aw.a.Progress == nil {
		return nil
	}
	return aw.a.Progress(aw.ctx)
}

// section writes <name>.json as a JSON array, one row at a time.
func (aw *archiveWriter) section(s Section) error {
	name := s.Name + ".json"
	if err := aw.open(name); err != nil {
		return err
	}
	var (
		row bytes.Buffer
		n   int64
	)
	enc := json.NewEncoder(&row)
	enc.SetEscapeHTML(false)
	if !s.Object {
		aw.buf.WriteString("[")
	}
	err := s.Rows(aw.ctx, func(v any) error {
		if s.Object && n > 0 {
			return errors.New("more than one row for an object section")
		}
		row.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		switch {
		case s.Object:
		case n == 0:
			aw.buf.WriteString("\n")
		default:
			aw.buf.WriteString(",\n")
		}
		// Encode ends with a newline; the separator supplies it.
		if _, err := aw.buf.Write(bytes.TrimSuffix(row.Bytes(), []byte("\n"))); err != nil {
			return err
		}
		n++
		if n%progressEvery == 0 {
			return aw.progress()
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case s.Object && n == 0:
		return errors.New("no row for an object section")
	case s.Object:
		aw.buf.WriteString("\n")
	case n == 0:
		aw.buf.WriteString("]\n")
	default:
		aw.buf.WriteString("\n]\n")
	}
	aw.man.Counts[s.Name] = n
	return aw.close(name)
}

// media copies each stored file into the archive; missing objects are
// skipped, logged and listed in the manifest.
func (aw *archiveWriter) media(m MediaSet) error {
	var n int64
	err := m.Files(aw.ctx, func(f MediaFile) error {
		rc, err := m.Store.Get(aw.ctx, f.Key)
		if errors.Is(err, storage.ErrNotFound) {
			aw.log.Warn("export: media object missing", "key", f.Key)
			aw.man.Missing = append(aw.man.Missing, MissingFile(f))
			return nil
		}
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := aw.open(f.Path); err != nil {
			return err
		}
		if _, err := io.Copy(aw.buf, rc); err != nil {
			return fmt.Errorf("copy %s: %w", f.Key, err)
		}
		n++
		return aw.close(f.Path)
	})
	if err != nil {
		return err
	}
	aw.man.Counts[m.Name] = n
	return nil
}

// manifest writes manifest.json; it is not listed in itself.
func (aw *archiveWriter) manifest() error {
	aw.man.Counts["missing_media"] = int64(len(aw.man.Missing))
	ew, err := aw.zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: aw.at})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(ew)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(aw.man)
}

// counter counts bytes written.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
