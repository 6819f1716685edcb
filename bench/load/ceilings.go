package load

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"

	"apistarter/bench/harness"

	"github.com/jackc/pgx/v5"
)

type ceilings struct {
	PgbenchTPS  float64 `json:"pgbench_select_tps"`
	PgbenchArgs string  `json:"pgbench_args"`
	// CommitTPS: one-row INSERT transactions, the least an outbox enqueue
	// (one task per transaction, as a request writes it) costs.
	CommitTPS float64 `json:"pgbench_insert_commit_tps"`
	RedisGet  float64 `json:"redis_get_ops"`
	RedisSet  float64 `json:"redis_set_ops"`
	RedisArgs string  `json:"redis_args"`
	Note      string  `json:"note"`
}

var (
	tpsLine   = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	redisLine = regexp.MustCompile(`(GET|SET): ([0-9.]+) requests per second`)
)

// measureCeilings runs pgbench -S on a small pgbench database of the same
// PostgreSQL, and redis-benchmark GET/SET on the run's Redis database: what
// the services give with no application in between.
func measureCeilings(ctx context.Context, e *env, rep *report) error {
	o := e.o
	for _, tool := range []string{"pgbench", "redis-benchmark"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (Debian/Ubuntu: apt-get install postgresql-client redis-tools): %w", tool, err)
		}
	}
	c := &ceilings{Note: "same PostgreSQL, no application"}
	rep.Ceilings = c
	pg, err := pgx.ParseConfig(o.PgAdmin)
	if err != nil {
		return err
	}
	if err := harness.RecreateDatabase(ctx, o.PgAdmin, o.pgbenchDB); err != nil {
		return err
	}
	conn := []string{"-h", pg.Host, "-p", strconv.Itoa(int(pg.Port)), "-U", pg.User}
	pgEnv := []string{}
	if pg.Password != "" {
		pgEnv = append(pgEnv, "PGPASSWORD="+pg.Password)
	}
	if _, err := harness.Run(ctx, pgEnv, "", "pgbench", append(append([]string{"-i", "-q", "-s", "1"}, conn...), o.pgbenchDB)...); err != nil {
		return err
	}
	secs := "10"
	if o.Short {
		secs = "1"
	}
	c.PgbenchArgs = " -c 16 -j 2 -T " + secs
	out, err := harness.Run(ctx, pgEnv, "", "pgbench", append(append([]string{"-S", "-c", "16", "-j", "2", "-T", secs}, conn...), o.pgbenchDB)...)
	if err != nil {
		return err
	}
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("pgbench: no tps in output:\n%s", out)
	}
	c.PgbenchTPS, _ = strconv.ParseFloat(m[1], 64)

	script, err := os.CreateTemp("", "apistarter-commit-*.sql")
	if err != nil {
		return err
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString("INSERT INTO commit_probe (payload) VALUES ('{\"keys\":[]}');\n"); err != nil {
		return err
	}
	_ = script.Close()
	if _, err := harness.Run(ctx, pgEnv, "", "psql", append(append([]string{"-q", "-c", "CREATE TABLE commit_probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL)"}, conn...), o.pgbenchDB)...); err != nil {
		return err
	}
	out, err = harness.Run(ctx, pgEnv, "", "pgbench", append(append([]string{"-n", "-f", script.Name(), "-c", "16", "-j", "2", "-T", secs}, conn...), o.pgbenchDB)...)
	if err != nil {
		return err
	}
	if m := tpsLine.FindStringSubmatch(out); m != nil {
		c.CommitTPS, _ = strconv.ParseFloat(m[1], 64)
	}

	host, port, err := net.SplitHostPort(o.Redis)
	if err != nil {
		return err
	}
	n := "200000"
	if o.Short {
		n = "5000"
	}
	c.RedisArgs = "-t get,set -q -n " + n
	out, err = harness.Run(ctx, nil, "", "redis-benchmark", "-h", host, "-p", port, "--dbnum", strconv.Itoa(e.RedisDB),
		"-t", "get,set", "-q", "-n", n)
	if err != nil {
		return err
	}
	for _, m := range redisLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "GET" {
			c.RedisGet = v
		} else {
			c.RedisSet = v
		}
	}
	if c.RedisGet == 0 {
		return fmt.Errorf("redis-benchmark: no GET figure in output:\n%s", out)
	}
	return nil
}
