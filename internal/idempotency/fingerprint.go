package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// FingerprintBody hashes a request body. JSON (by content type, or a body
// starting with '{' or '[') is canonicalised first, so key order and
// whitespace do not matter; anything else, invalid JSON included, is hashed
// as sent.
func FingerprintBody(contentType string, body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if strings.Contains(strings.ToLower(contentType), "json") ||
		bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("[")) {
		if c, ok := canonicalJSON(trimmed); ok {
			body = c
		}
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// canonicalJSON re-encodes v with sorted object keys and no spaces; numbers
// keep their text.
func canonicalJSON(b []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	out, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return nil, false
	}
	return out, true
}

// FileDigest is one uploaded file as FingerprintDigests sees it: its
// metadata and the SHA-256 of its bytes, so a streamed file need not be
// kept to be fingerprinted.
type FileDigest struct {
	Field       string
	Name        string
	ContentType string
	Size        int64
	SHA256      []byte
}

// FingerprintDigests hashes streamed files in order: a version tag, then per
// file its length-prefixed metadata JSON (size included) and the digest of
// its bytes.
func FingerprintDigests(version string, files []FileDigest) string {
	h := sha256.New()
	h.Write([]byte(version))
	h.Write([]byte{0})
	var n [8]byte
	for i, f := range files {
		meta, _ := json.Marshal(struct {
			ContentType string `json:"content_type"`
			Field       string `json:"field"`
			Index       int    `json:"index"`
			Name        string `json:"name"`
			Size        int64  `json:"size"`
		}{f.ContentType, f.Field, i, f.Name, f.Size})
		binary.BigEndian.PutUint64(n[:], uint64(len(meta)))
		h.Write(n[:])
		h.Write(meta)
		h.Write(f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}
