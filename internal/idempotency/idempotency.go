// Package idempotency owns the durable Idempotency-Key of the bulk routes.
//
// A request carrying the header runs in one PostgreSQL transaction that first
// takes a non-blocking advisory lock on its identity (user, method, path,
// key), then either replays the stored response of an earlier run (same
// request fingerprint) or executes and stores its response in the same
// transaction as the mutation, so the record exists exactly when the effect
// does. Responses of 500 and above roll everything back and are not stored;
// errors returned by the operation roll back too. Records expire after 24 h.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"
)

// Header is the request header carrying the client's key.
const Header = "Idempotency-Key"

// TTL is how long a record replays.
const TTL = 24 * time.Hour

const maxKeyLen = 128

// Client-facing errors; clients match on these texts.
var (
	ErrInvalidKey  = apperr.Invalid("Invalid Idempotency-Key.")
	ErrInProgress  = apperr.Conflict("An operation with this Idempotency-Key is already in progress.")
	ErrKeyMismatch = apperr.Conflict("Idempotency-Key was already used for a different request.")
)

// Request identifies one idempotent execution.
type Request struct {
	Key         string // trimmed header value (NewRequest); "" runs without a record
	UserID      int64
	Method      string
	Path        string // full request path
	Fingerprint string // hex SHA-256 of what the client sent (see Fingerprint*)
}

// Response is what an operation answers and what a replay returns unchanged.
type Response struct {
	Status      int
	ContentType string
	Body        []byte // nil for an empty body (204)
}

// Output is a Response as a huma output: status, content type and the exact bytes.
type Output struct {
	Status      int
	ContentType string `header:"Content-Type"`
	Body        []byte
}

// Out converts r for huma.
func (r Response) Out() *Output {
	return &Output{Status: r.Status, ContentType: r.ContentType, Body: r.Body}
}

// Op is the idempotent operation: it runs inside tx and reports its response.
type Op func(ctx context.Context, tx pgx.Tx) (Response, error)

// Store runs operations against the idempotency_records table.
type Store struct {
	db  db.Beginner
	now func() time.Time
}

// NewStore returns a store on b (a pool).
func NewStore(b db.Beginner) *Store { return &Store{db: b, now: time.Now} }

var errRollback = errors.New("idempotency: response of 500 or more rolls back")

// Run executes op idempotently for req (or in a plain transaction when req.Key
// is empty). A replay returns the stored response without calling op.
// When Run returns an error, or a response of 500 or more, nothing op wrote
// to the database was committed.
func (s *Store) Run(ctx context.Context, req Request, op Op) (Response, error) {
	var res Response
	err := db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if req.Key == "" {
			res, err = op(ctx, tx)
		} else {
			res, err = s.runKeyed(ctx, tx, req, op)
		}
		if err == nil && res.Status >= 500 {
			return errRollback
		}
		return err
	})
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return Response{}, err
	}
	return res, nil
}

func (s *Store) runKeyed(ctx context.Context, tx pgx.Tx, req Request, op Op) (Response, error) {
	q := sqlc.New(tx)
	identity := Identity(req.UserID, req.Method, req.Path, req.Key)
	locked, err := q.TryIdempotencyLock(ctx, lockKey(identity))
	if err != nil {
		return Response{}, fmt.Errorf("idempotency: lock: %w", err)
	}
	if !locked {
		return Response{}, ErrInProgress
	}
	if err := q.DeleteExpiredIdempotencyRecord(ctx, identity); err != nil {
		return Response{}, fmt.Errorf("idempotency: expire: %w", err)
	}
	rec, err := q.GetIdempotencyRecord(ctx, identity)
	switch {
	case err == nil:
		if rec.RequestFingerprint != req.Fingerprint {
			return Response{}, ErrKeyMismatch
		}
		return Response{Status: int(rec.StatusCode), ContentType: rec.ContentType, Body: rec.ResponseBody}, nil
	case !db.IsNoRows(err):
		return Response{}, fmt.Errorf("idempotency: read: %w", err)
	}
	res, err := op(ctx, tx)
	if err != nil || res.Status >= 500 {
		return res, err
	}
	err = q.InsertIdempotencyRecord(ctx, sqlc.InsertIdempotencyRecordParams{
		IdentityHash: identity, RequestFingerprint: req.Fingerprint, UserID: req.UserID,
		Method: req.Method, Path: req.Path, StatusCode: int16(res.Status), ContentType: res.ContentType,
		ResponseBody: res.Body, ExpiresAt: s.now().Add(TTL),
	})
	if err != nil {
		return Response{}, fmt.Errorf("idempotency: store: %w", err)
	}
	return res, nil
}

// Recorded reports whether a live record exists for req's identity, read
// without a transaction or lock. Callers use it to skip expensive work
// whose result a replay would discard; Run still decides.
func (s *Store) Recorded(ctx context.Context, req Request) (bool, error) {
	if req.Key == "" {
		return false, nil
	}
	q, ok := s.db.(sqlc.DBTX)
	if !ok {
		return false, nil
	}
	live, err := sqlc.New(q).IdempotencyRecordLive(ctx, Identity(req.UserID, req.Method, req.Path, req.Key))
	if err != nil {
		return false, fmt.Errorf("idempotency: read: %w", err)
	}
	return live, nil
}

// Identity is the record's key: SHA-256 hex of "<user>:<METHOD>:<path>:<key>".
func Identity(userID int64, method, path, key string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(userID, 10) + ":" + method + ":" + path + ":" + key))
	return hex.EncodeToString(sum[:])
}

// lockKey is the advisory lock of an identity: its first 8 bytes.
func lockKey(identity string) int64 {
	b, _ := hex.DecodeString(identity[:16])
	return int64(binary.BigEndian.Uint64(b))
}

type requestInfo struct {
	key          string
	keyPresent   bool
	method, path string
}

type requestInfoCtx struct{}

// Middleware records the method, the path and whether the request carries
// the header at all (huma's header parameters cannot tell an empty value
// from a missing one). Add it to the operations that call NewRequest.
func Middleware(ctx huma.Context, next func(huma.Context)) {
	info := requestInfo{method: ctx.Method(), path: ctx.URL().Path}
	ctx.EachHeader(func(name, value string) {
		if !info.keyPresent && strings.EqualFold(name, Header) {
			info.key, info.keyPresent = value, true
		}
	})
	next(huma.WithContext(ctx, context.WithValue(ctx.Context(), requestInfoCtx{}, info)))
}

// NewRequest describes the current request for Run: the trimmed key ("" when
// the header is absent) or ErrInvalidKey when it is present but empty or
// over 128 characters.
func NewRequest(ctx context.Context, userID int64, fingerprint string) (Request, error) {
	info, ok := ctx.Value(requestInfoCtx{}).(requestInfo)
	if !ok {
		return Request{}, errors.New("idempotency: operation without Middleware")
	}
	req := Request{UserID: userID, Method: info.method, Path: info.path, Fingerprint: fingerprint}
	if !info.keyPresent {
		return req, nil
	}
	req.Key = strings.TrimSpace(info.key)
	if req.Key == "" || utf8.RuneCountInString(req.Key) > maxKeyLen {
		return Request{}, ErrInvalidKey
	}
	return req, nil
}
