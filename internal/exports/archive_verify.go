package exports

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
)

// VerifyArchive reads an archive back and checks it against its manifest:
// format and version, every listed file present with its size and SHA-256,
// and no file that the manifest does not list.
func VerifyArchive(r io.ReaderAt, size int64) (*Manifest, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("exports: verify: %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("exports: verify: duplicate entry %s", f.Name)
		}
		files[f.Name] = f
	}
	mf, ok := files[ManifestName]
	if !ok {
		return nil, fmt.Errorf("exports: verify: no %s", ManifestName)
	}
	var man Manifest
	if err := readJSON(mf, &man); err != nil {
		return nil, fmt.Errorf("exports: verify: manifest: %w", err)
	}
	if man.Format != ArchiveFormat || man.Version != ArchiveVersion {
		return nil, fmt.Errorf("exports: verify: unknown format %q version %d", man.Format, man.Version)
	}
	if len(man.Files)+1 != len(files) {
		return nil, fmt.Errorf("exports: verify: manifest lists %d files, archive holds %d", len(man.Files), len(files)-1)
	}
	for _, want := range man.Files {
		f, ok := files[want.Path]
		if !ok {
			return nil, fmt.Errorf("exports: verify: %s listed but absent", want.Path)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("exports: verify: %s: %w", want.Path, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		_ = rc.Close()
		if err != nil {
			return nil, fmt.Errorf("exports: verify: %s: %w", want.Path, err)
		}
		if n != want.Size || hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
			return nil, fmt.Errorf("exports: verify: %s does not match its manifest entry", want.Path)
		}
	}
	return &man, nil
}

// ReadArchiveFile decodes the JSON file name of an archive into v.
func ReadArchiveFile(zr *zip.Reader, name string, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return fmt.Errorf("exports: read %s: %w", name, err)
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(v); err != nil {
		return fmt.Errorf("exports: read %s: %w", name, err)
	}
	return nil
}

func readJSON(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return json.NewDecoder(rc).Decode(v)
}
