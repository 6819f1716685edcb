package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"
)

// HandlerFunc processes one task. payload is what was enqueued. Return nil
// on success, an error to be retried with backoff, or Permanent(err) for a
// failure a retry cannot fix.
type HandlerFunc func(ctx context.Context, payload []byte) error

// Permanent marks err as not worth retrying: the task is archived at once
// (visible in the dashboard) and its outbox row marked failed.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w (%w)", err, asynq.SkipRetry)
}

// IsPermanent reports an error made with Permanent.
func IsPermanent(err error) bool { return errors.Is(err, asynq.SkipRetry) }

// Later marks err as "not now": what the task needs is held elsewhere (a
// lock a runner still holds). The task comes back after the retry delay
// without using up one of its retries.
func Later(err error) error { return &notCountedError{err} }

// IsLater reports an error made with Later.
func IsLater(err error) bool { return errors.As(err, new(*notCountedError)) }

// Result is what a periodic job did, as named counts ("deleted": 3).
type Result map[string]int64

// String renders the counts sorted by name: "deleted=3 kept=1".
func (r Result) String() string {
	if len(r) == 0 {
		return "nothing to do"
	}
	keys := slices.Sorted(maps.Keys(r))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatInt(r[k], 10)
	}
	return strings.Join(parts, " ")
}

// Periodic is one entry of the schedule table.
type Periodic struct {
	// Name identifies the job in `apistarter jobs run NAME`, in the task type
	// ("periodic:NAME") and in its advisory lock: lower-case letters, digits
	// and dashes.
	Name string
	// Schedule is a cron spec in UTC: five fields ("0 3 * * *"), a
	// descriptor ("@daily", "@weekly") or "@every 5m".
	Schedule    string
	Queue       string // QueueMaintenance when empty
	Description string
	// Timeout bounds one run; 30 minutes when zero.
	Timeout time.Duration
	// Run does the work. It must be idempotent: a run interrupted by a crash
	// is simply done again next period.
	Run func(ctx context.Context) (Result, error)

	schedule cron.Schedule
}

// TaskType is the asynq task type the scheduler enqueues for p.
func (p Periodic) TaskType() string { return periodicPrefix + p.Name }

const periodicPrefix = "periodic:"

// DefaultPeriodicTimeout bounds a periodic run without its own Timeout.
const DefaultPeriodicTimeout = 30 * time.Minute

var jobName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Registry is the table of task handlers and periodic jobs. Features fill it
// while the app is built, before the worker or scheduler starts (they read it
// once, at Run); `apistarter jobs` reads it too. Registration errors are
// programming errors and panic, as with http.ServeMux.
type Registry struct {
	mu       sync.RWMutex
	handlers map[string]HandlerFunc
	periodic map[string]Periodic
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{handlers: map[string]HandlerFunc{}, periodic: map[string]Periodic{}}
}

// Handle registers the handler of a task type ("email:send", "exports:run").
func (r *Registry) Handle(taskType string, h HandlerFunc) {
	if taskType == "" || h == nil || strings.HasPrefix(taskType, periodicPrefix) {
		panic(fmt.Sprintf("jobs: Handle(%q): empty type, nil handler or reserved prefix", taskType))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[taskType]; dup {
		panic(fmt.Sprintf("jobs: Handle(%q): registered twice", taskType))
	}
	r.handlers[taskType] = h
}

// AddPeriodic adds a job to the schedule table.
func (r *Registry) AddPeriodic(p Periodic) {
	if !jobName.MatchString(p.Name) || p.Run == nil {
		panic(fmt.Sprintf("jobs: AddPeriodic(%q): bad name or nil Run", p.Name))
	}
	sched, err := cron.ParseStandard(p.Schedule)
	if err != nil {
		panic(fmt.Sprintf("jobs: AddPeriodic(%q): schedule %q: %v", p.Name, p.Schedule, err))
	}
	p.schedule = sched
	if p.Queue == "" {
		p.Queue = QueueMaintenance
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultPeriodicTimeout
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.periodic[p.Name]; dup {
		panic(fmt.Sprintf("jobs: AddPeriodic(%q): registered twice", p.Name))
	}
	r.periodic[p.Name] = p
}

// ErrUnknownJob is returned by Reschedule for a name no feature registered.
var ErrUnknownJob = errors.New("unknown periodic job")

// Reschedule replaces the schedule of the periodic job name: an operator's
// override (PERIODIC_JOB_SCHEDULES), applied before the scheduler starts.
func (r *Registry) Reschedule(name, spec string) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("jobs: %s: schedule %q: %w", name, spec, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.periodic[name]
	if !ok {
		known := slices.Sorted(maps.Keys(r.periodic))
		return fmt.Errorf("jobs: %w %q (the jobs are: %s)", ErrUnknownJob, name, strings.Join(known, ", "))
	}
	p.Schedule, p.schedule = spec, sched
	r.periodic[name] = p
	return nil
}

// Handler returns the handler of a task type.
func (r *Registry) Handler(taskType string) (HandlerFunc, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.handlers[taskType]
	return h, ok
}

// Periodic returns the schedule table sorted by name.
func (r *Registry) Periodic() []Periodic {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := slices.Collect(maps.Values(r.periodic))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Job returns the periodic job called name.
func (r *Registry) Job(name string) (Periodic, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.periodic[name]
	return p, ok
}
