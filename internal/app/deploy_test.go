package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"

	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"
)

// The monitoring files shipped in deploy/ (paths from this package).
const (
	alertsFile    = "../../deploy/prometheus/alerts.yml"
	dashboardFile = "../../deploy/grafana/apistarter.json"
)

// Series Prometheus adds itself at scrape time; the binary cannot export them.
var scrapeSeries = []string{"up", "scrape_duration_seconds", "scrape_samples_scraped"}

// Labels every scraped series gets from its target.
var targetLabels = []string{"job", "instance"}

// A PromQL expression found in a deploy file, named for messages.
type deployExpr struct{ where, expr string }

func alertExprs(t *testing.T) []deployExpr {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert  string `yaml:"alert"`
				Record string `yaml:"record"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	var out []deployExpr
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			out = append(out, deployExpr{where: "alert " + r.Alert + r.Record, expr: r.Expr})
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rules", alertsFile)
	}
	return out
}

// grafanaVars are the dashboard's variables with a value Prometheus accepts.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "${job}", "apistarter", "$job", "apistarter")

type grafanaPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

func dashboardExprs(t *testing.T) []deployExpr {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		SchemaVersion int            `json:"schemaVersion"`
		Panels        []grafanaPanel `json:"panels"`
		Templating    struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if dash.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d: want a current Grafana dashboard", dash.SchemaVersion)
	}
	if !slices.ContainsFunc(dash.Templating.List, func(v struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Query any    `json:"query"`
	}) bool {
		return v.Type == "datasource" && v.Query == "prometheus"
	}) {
		t.Error("dashboard has no Prometheus datasource variable")
	}
	var out []deployExpr
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out = append(out, deployExpr{where: "panel " + p.Title, expr: grafanaVars.Replace(tg.Expr)})
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	if len(out) == 0 {
		t.Fatalf("%s: no queries", dashboardFile)
	}
	return out
}

var (
	// name{matchers}: the matchers are checked against the family's labels.
	selectorRe = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}`)
	matcherRe  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"`)
	// by (a, b), on (...), ...: label lists, not metric names.
	labelListRe = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	rangeRe     = regexp.MustCompile(`\[[^\]]*\]`)
	stringRe    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	identRe     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
)

// promqlKeywords are identifiers of the language that are not metric names.
var promqlKeywords = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
	"group_left", "group_right", "inf", "nan", "start", "end", "atan2"}

// usedSeries is what one expression reads: metric names, the label names of
// each name's matchers, and the labels it groups or joins by.
type usedSeries struct {
	names    []string
	matchers map[string][]string // metric name → label names in its {…}
	grouping []string
}

func parsePromQL(expr string) usedSeries {
	u := usedSeries{matchers: map[string][]string{}}
	for _, m := range labelListRe.FindAllStringSubmatch(expr, -1) {
		for l := range strings.SplitSeq(m[2], ",") {
			if l = strings.TrimSpace(l); l != "" {
				u.grouping = append(u.grouping, l)
			}
		}
	}
	expr = labelListRe.ReplaceAllString(expr, " ")
	for _, m := range selectorRe.FindAllStringSubmatch(expr, -1) {
		for _, mm := range matcherRe.FindAllStringSubmatch(m[2], -1) {
			u.matchers[m[1]] = append(u.matchers[m[1]], mm[1])
		}
	}
	expr = selectorRe.ReplaceAllString(expr, "$1 ")
	expr = rangeRe.ReplaceAllString(expr, " ")
	expr = stringRe.ReplaceAllString(expr, " ")
	for _, loc := range identRe.FindAllStringIndex(expr, -1) {
		id := expr[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(expr[loc[0]-1:loc[0]], "0123456789.") {
			continue // the unit of a duration or a number (5m, 1e3)
		}
		rest := strings.TrimLeft(expr[loc[1]:], " \t\n")
		if strings.HasPrefix(rest, "(") || slices.Contains(promqlKeywords, strings.ToLower(id)) {
			continue // a function call or an operator
		}
		if !slices.Contains(u.names, id) {
			u.names = append(u.names, id)
		}
	}
	return u
}

// exported maps every series name a scrape of reg would show to its label
// names: histograms as _bucket (with le), _sum and _count.
func exported(families []*dto.MetricFamily) map[string][]string {
	out := map[string][]string{}
	add := func(name string, labels ...string) {
		for _, l := range labels {
			if !slices.Contains(out[name], l) {
				out[name] = append(out[name], l)
			}
		}
		if out[name] == nil {
			out[name] = []string{}
		}
	}
	for _, f := range families {
		var labels []string
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName())
			}
		}
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			add(f.GetName()+"_bucket", append(labels, "le")...)
			add(f.GetName()+"_sum", labels...)
			add(f.GetName()+"_count", labels...)
		case dto.MetricType_SUMMARY:
			add(f.GetName(), append(labels, "quantile")...)
			add(f.GetName()+"_sum", labels...)
			add(f.GetName()+"_count", labels...)
		default:
			add(f.GetName(), labels...)
		}
	}
	return out
}

// checkExprs reports every name the expressions read that is not exported,
// and every label they match or group by that the series do not carry.
func checkExprs(exprs []deployExpr, have map[string][]string) []string {
	var problems []string
	for _, e := range exprs {
		u := parsePromQL(e.expr)
		if len(u.names) == 0 {
			problems = append(problems, fmt.Sprintf("%s: no metric name in %q", e.where, e.expr))
		}
		var labelsInExpr []string
		for _, n := range u.names {
			if slices.Contains(scrapeSeries, n) {
				continue
			}
			labels, ok := have[n]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: metric %s is not exported", e.where, n))
				continue
			}
			labelsInExpr = append(labelsInExpr, labels...)
			for _, l := range u.matchers[n] {
				if !slices.Contains(labels, l) && !slices.Contains(targetLabels, l) {
					problems = append(problems, fmt.Sprintf("%s: %s has no label %q", e.where, n, l))
				}
			}
		}
		for _, l := range u.grouping {
			if !slices.Contains(labelsInExpr, l) && !slices.Contains(targetLabels, l) {
				problems = append(problems, fmt.Sprintf("%s: no series in the expression has label %q", e.where, l))
			}
		}
	}
	return problems
}

func TestPromQLNamesParser(t *testing.T) {
	u := parsePromQL(`histogram_quantile(0.99, sum by (route, le) (rate(http_request_duration_seconds_bucket{job="a", route!~".*(x|y).*"}[5m]))) > 1 and on (instance) up == 0 unless redis_up offset 5m`)
	if want := []string{"http_request_duration_seconds_bucket", "up", "redis_up"}; !slices.Equal(u.names, want) {
		t.Errorf("names %v, want %v", u.names, want)
	}
	if want := []string{"job", "route"}; !slices.Equal(u.matchers["http_request_duration_seconds_bucket"], want) {
		t.Errorf("matchers %v, want %v", u.matchers, want)
	}
	if want := []string{"route", "le", "instance"}; !slices.Equal(u.grouping, want) {
		t.Errorf("grouping %v, want %v", u.grouping, want)
	}
	have := map[string][]string{"a_total": {"x"}, "h_bucket": {"x", "le"}}
	for expr, wantProblems := range map[string]int{
		`sum by (x) (rate(a_total{x="1"}[5m]))`:                     0,
		`histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))`: 0,
		`rate(b_total[5m])`:                            1,
		`rate(a_total{y="1"}[5m])`:                     1,
		`sum by (z) (a_total)`:                         1,
		`a_total / on (instance) up{job="apistarter"}`: 0,
	} {
		if got := checkExprs([]deployExpr{{"test", expr}}, have); len(got) != wantProblems {
			t.Errorf("%s: problems %v, want %d", expr, got, wantProblems)
		}
	}
}

// TestDeployMetricNamesExported: every series the alerts and the dashboard
// read is exported by the app once it has served requests and run tasks.
func TestDeployMetricNamesExported(t *testing.T) {
	t.Parallel()
	exprs := append(alertExprs(t), dashboardExprs(t)...)

	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, append(withSMTP(smtp), testutil.WithEnv("RATELIMIT_ENABLED", "true"))...)
	ran := startProbeScheduler(t, s)

	// Requests: org-scoped twice (permission cache miss, then a local hit),
	// a 404, and a rate-limited route until it refuses.
	u := s.CreateUser(t, "metrics")
	contacts := "/api/v1/orgs/" + u.PersonalOrg + "/contacts/"
	for _, want := range []int{200, 200} {
		if resp := s.Do(t, "GET", contacts, u.Token, nil, nil); resp.StatusCode != want {
			t.Fatalf("GET %s: %d", contacts, resp.StatusCode)
		}
	}
	s.Do(t, "GET", "/api/v1/nope/", "", nil, nil).Body.Close()
	refused := false
	for range 20 {
		resp := s.Do(t, "POST", "/api/v1/auth/password-reset/request", "", strings.NewReader(`{"email":"nobody@example.com"}`), nil)
		resp.Body.Close()
		if resp.StatusCode == 429 {
			refused = true
			break
		}
	}
	if !refused {
		t.Fatal("password-reset request was never rate limited")
	}
	// A task through the outbox and the worker, and a scheduled job.
	id := enqueueEmail(t, s, "metrics", true)
	testutil.Eventually(t, 20*time.Second, "email completed", func() bool { return readOutbox(t, s, id).Completed })
	select {
	case <-ran:
	case <-time.After(20 * time.Second):
		t.Fatal("periodic job did not run")
	}

	var have map[string][]string
	testutil.Eventually(t, 20*time.Second, "worker heartbeat in the registry", func() bool {
		families, err := s.App.Metrics.Registry.Gather()
		if err != nil {
			t.Fatalf("gather: %v", err)
		}
		have = exported(families)
		_, ok := have["worker_processes"]
		_, scheduled := have["scheduler_enqueues_total"]
		return ok && scheduled
	})
	for _, p := range checkExprs(exprs, have) {
		t.Error(p)
	}
}

// TestAlertRulesPassPromtool: Prometheus's own checker accepts the alert
// rules, and every dashboard query parses as PromQL.
func TestAlertRulesPassPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus; `make services` installs it as root): rules not checked")
	}
	if out, err := exec.Command(promtool, "check", "rules", alertsFile).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", alertsFile, err, out)
	}

	// Dashboard queries as recording rules: promtool parses each one.
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range dashboardExprs(t) {
		q, _ := json.Marshal(e.expr) // a JSON string is a valid YAML scalar
		fmt.Fprintf(&b, "      - record: dashboard:query%d\n        expr: %s\n", i, q)
	}
	rules := filepath.Join(t.TempDir(), "dashboard.yml")
	if err := os.WriteFile(rules, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Fatalf("dashboard queries do not parse: %v\n%s", err, out)
	}
}
