package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"apistarter/internal/apperr"

	"github.com/danielgtaylor/huma/v2"
)

type echoInput struct {
	Body struct {
		Name string `json:"name" maxLength:"5"`
	}
}

func newTestServer(t *testing.T, fail error) *httptest.Server {
	mux := http.NewServeMux()
	api := NewAPI(mux, "test")
	huma.Register(api, huma.Operation{OperationID: "echo", Method: "POST", Path: "/echo/"},
		func(ctx context.Context, in *echoInput) (*struct{}, error) {
			if fail != nil {
				return nil, fail
			}
			return nil, nil
		})
	srv := httptest.NewServer(Chain(mux, RequestIDMiddleware, Recover))
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/echo/", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestErrorModel(t *testing.T) {
	cases := []struct {
		name    string
		fail    error
		body    string
		status  int
		want    []string
		notWant []string
	}{
		{"too long is 400 without echo", nil, `{"name":"secretvalue"}`, 400,
			[]string{`"detail":`, `"errors":[`, `"location":["body","name"]`, `"type":"validation_error"`}, []string{"secretvalue"}},
		{"unknown field is 400", nil, `{"name":"a","extra":1}`, 400, []string{`"errors":[`}, nil},
		{"null for non-nullable is 400", nil, `{"name":null}`, 400, []string{`"errors":[`}, nil},
		{"domain error keeps its status and detail", apperr.Conflict("Taken."), `{"name":"a"}`, 409, []string{`{"detail":"Taken."}`}, nil},
		{"unknown error is 500 with request id only", errors.New("pq: relation users secret"), `{"name":"a"}`, 500,
			[]string{`"detail":"Internal server error."`, `"request_id":"`}, []string{"relation", "secret"}},
		{"database down is 503", fmt.Errorf("db: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), `{"name":"a"}`, 503, []string{`"request_id":"`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, tc.fail)
			status, body := post(t, srv.URL, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s: %s", w, body)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body leaks %s: %s", w, body)
				}
			}
		})
	}
}

func TestTrailingSlashIsExact(t *testing.T) {
	srv := newTestServer(t, nil)
	resp, err := http.Post(srv.URL+"/api/v1/echo/more", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("a subpath must not match the trailing-slash route: %d", resp.StatusCode)
	}
}
