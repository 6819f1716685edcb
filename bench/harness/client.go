package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"
)

// Client talks to the API over keep-alive connections.
type Client struct {
	Base string // http://127.0.0.1:port
	HTTP *http.Client
}

// NewClient keeps up to conns idle connections to the API.
func NewClient(base string, conns int, timeout time.Duration) *Client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &Client{Base: base, HTTP: &http.Client{Transport: tr, Timeout: timeout}}
}

// Close drops the idle connections.
func (c *Client) Close() { c.HTTP.CloseIdleConnections() }

// Request is one API call. Path is under the base URL (e.g. /api/v1/users/me).
type Request struct {
	Method      string
	Path        string
	Token       string
	Body        []byte
	ContentType string // application/json when Body is set and this is empty
}

// Do sends r and returns the status and body. A transport error has
// status 0.
func (c *Client) Do(ctx context.Context, r Request) (int, []byte, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.Base+r.Path, body)
	if err != nil {
		return 0, nil, err
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, b, nil
}

// JSON sends r and decodes a response with status want into out (may be nil).
func (c *Client) JSON(ctx context.Context, r Request, want int, out any) error {
	st, b, err := c.Do(ctx, r)
	if err != nil {
		return fmt.Errorf("harness: %s %s: %w", r.Method, r.Path, err)
	}
	if st != want {
		return fmt.Errorf("harness: %s %s: status %d, want %d: %.300s", r.Method, r.Path, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("harness: %s %s: decode: %w", r.Method, r.Path, err)
		}
	}
	return nil
}

// Login logs in with POST /api/v1/token/pair and returns the access token.
func (c *Client) Login(ctx context.Context, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password, "device_name": "bench"})
	var out struct {
		Access string `json:"access"`
	}
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/api/v1/token/pair", Body: body}, http.StatusOK, &out); err != nil {
		return "", err
	}
	return out.Access, nil
}

// Multipart builds a multipart/form-data body with one file field.
func Multipart(field, filename string, data []byte) (body []byte, contentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename)}
	h["Content-Type"] = []string{"image/jpeg"}
	part, _ := w.CreatePart(h)
	_, _ = part.Write(data)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// UploadImage posts a JPEG to the org's library and returns its id.
func (c *Client) UploadImage(ctx context.Context, token, orgSlug, name string, jpeg []byte) (int64, error) {
	body, ct := Multipart("file", name, jpeg)
	var out struct {
		ID int64 `json:"id"`
	}
	r := Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + orgSlug + "/images/", Token: token, Body: body, ContentType: ct}
	if err := c.JSON(ctx, r, http.StatusOK, &out); err != nil {
		return 0, err
	}
	return out.ID, nil
}
