package embedded

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// The crash test runs its own test binary as a child that appends until it
// is killed with SIGKILL, at a random point, then checks the directory the
// child left. These variables pass the child its part.
const (
	crashDirEnv    = "SLUICE_EMBEDDED_CRASH_DIR"    // set: this process is the child
	crashFsyncEnv  = "SLUICE_EMBEDDED_CRASH_FSYNC"  // the child's fsync policy
	crashSeedEnv   = "SLUICE_EMBEDDED_CRASH_SEED"   // the child's seed; for the parent, the run's
	crashCyclesEnv = "SLUICE_EMBEDDED_CRASH_CYCLES" // kill and restart cycles, default 300 (50 with -short or -race)
)

const (
	crashTopic      = "crash"
	crashPartitions = 2
	// crashMaxAppends stops a child that was never killed (its parent gone),
	// so that it cannot fill the disk.
	crashMaxAppends = 20000
)

// crashRecord is the record at offset off of partition p: everything in
// it derives from (p, off), so any damage or misplacement shows.
func crashRecord(p int32, off int64) log.Record {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", p, off)
	sum := h.Sum64()
	r := log.Record{Key: fmt.Appendf(nil, "p%d-o%d", p, off), Timestamp: off*3 + int64(p)}
	if sum%17 != 0 { // else a tombstone
		r.Value = make([]byte, sum%300)
		x := sum
		for i := range r.Value {
			x = x*6364136223846793005 + 1442695040888963407
			r.Value[i] = byte(x >> 56)
		}
	}
	if sum%4 == 0 {
		r.Headers = []log.Header{{Key: "sum", Value: strconv.AppendUint(nil, sum, 10)}}
	}
	return r
}

// TestCrashChild is the child of TestCrash; it skips itself otherwise. It
// appends random batches of crash records to both partitions and prints
// "partition base count" after each Append returns, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestCrash")
	}
	fail := func(err error) {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	policy, err := ParseFsyncPolicy(os.Getenv(crashFsyncEnv))
	if err != nil {
		fail(err)
	}
	seed, err := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	l, err := Open(Options{Dir: dir, Fsync: policy})
	if err != nil {
		fail(err)
	}
	if err := l.CreateTopic(ctx, crashTopic, log.TopicConfig{Partitions: crashPartitions, Configs: map[string]string{log.ConfigSegmentBytes: "262144"}}); err != nil && !errors.Is(err, log.ErrTopicExists) {
		fail(err)
	}
	info, err := l.DescribeTopic(ctx, crashTopic)
	if err != nil {
		fail(err)
	}
	var ends [crashPartitions]int64
	for i, p := range info.Partitions {
		ends[i] = p.EndOffset
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var recs []log.Record
	for range crashMaxAppends {
		p := int32(rng.IntN(crashPartitions))
		n := 1 + rng.IntN(40)
		recs = recs[:0]
		for i := range n {
			recs = append(recs, crashRecord(p, ends[p]+int64(i)))
		}
		base, err := l.Append(ctx, crashTopic, p, recs)
		if err != nil {
			fail(err)
		}
		if base != ends[p] {
			fail(fmt.Errorf("partition %d: Append returned %d, want %d", p, base, ends[p]))
		}
		ends[p] += int64(n)
		// One write per line: a line that arrives whole was printed after
		// its Append returned.
		if _, err := fmt.Printf("%d %d %d\n", p, base, n); err != nil {
			os.Exit(3)
		}
	}
	os.Exit(0)
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("this is the child process")
	}
	cycles := 300
	if s := os.Getenv(crashCyclesEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of cycles", crashCyclesEnv, s)
		}
		cycles = n
	} else if testing.Short() || raceDetector {
		cycles = 50 // the race detector makes every cycle several times slower
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", crashSeedEnv, s, err)
		}
	}
	for _, policy := range []FsyncPolicy{FsyncAlways, FsyncInterval} {
		t.Run(policy.String(), func(t *testing.T) {
			t.Logf("seed %d, %d cycles (rerun with %s=%d %s=%d)", seed, cycles, crashSeedEnv, seed, crashCyclesEnv, cycles)
			runCrashCycles(t, policy, seed, cycles)
		})
	}
}

func runCrashCycles(t *testing.T, policy FsyncPolicy, seed uint64, cycles int) {
	rng := rand.New(rand.NewPCG(seed, uint64(policy)))
	dir := t.TempDir()
	var end [crashPartitions]int64      // the recovered end offsets: where the next child starts
	var verified [crashPartitions]int64 // content checked up to here
	var torn, acks int
	for cycle := range cycles {
		acked := end
		killAfter := 1 + rng.IntN(30)
		lines, err := runCrashChild(t, dir, policy, rng.Uint64(), killAfter, func(p int32, base, n int64) error {
			if p < 0 || p >= crashPartitions || base != acked[p] || n < 1 {
				return fmt.Errorf("acknowledged partition %d offsets [%d, %d), want to continue at %v", p, base, base+n, acked)
			}
			acked[p] += n
			return nil
		})
		if err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		acks += lines

		var out logBuffer
		l, err := Open(Options{Dir: dir, Fsync: FsyncNever, Logger: out.logger()})
		if err != nil {
			t.Fatalf("cycle %d: reopening after the kill: %v", cycle, err)
		}
		if strings.Contains(out.String(), "torn tail") {
			torn++
		}
		if strings.Contains(out.String(), "quarantine") {
			t.Errorf("cycle %d: recovery after a kill quarantined data: %s", cycle, out.String())
		}
		full := cycle%50 == 49 || cycle == cycles-1
		for p := int32(0); p < crashPartitions; p++ {
			info := partitionInfo(t, l, crashTopic, p)
			if info.StartOffset != 0 || info.EndOffset < acked[p] {
				t.Fatalf("cycle %d: partition %d holds [%d, %d) after the kill, but [0, %d) was acknowledged", cycle, p, info.StartOffset, info.EndOffset, acked[p])
			}
			// Every record is read (so every frame's checksum and offsets
			// are checked); contents are compared from a little before
			// what the last cycle checked, and in full now and then.
			from := max(0, verified[p]-200)
			if full {
				from = 0
			}
			if err := checkCrashPartition(l, p, info.EndOffset, from); err != nil {
				t.Fatalf("cycle %d: %v", cycle, err)
			}
			end[p], verified[p] = info.EndOffset, info.EndOffset
		}
		if err := l.Close(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
	}
	t.Logf("%d cycles, %d acknowledged appends, %d records; recovery cut a torn tail after %d kills", cycles, acks, end[0]+end[1], torn)
}

// runCrashChild starts the child, hands each acknowledgement to ack, kills
// the child after killAfter of them and returns how many it saw in all
// (those printed before the kill landed count too).
func runCrashChild(t *testing.T, dir string, policy FsyncPolicy, seed uint64, killAfter int, ack func(p int32, base, n int64) error) (int, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		crashDirEnv+"="+dir,
		crashFsyncEnv+"="+policy.String(),
		crashSeedEnv+"="+strconv.FormatUint(seed, 10),
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			cmd.Process.Kill() // SIGKILL
		}
	}
	defer func() {
		kill()
		cmd.Wait()
	}()
	r := bufio.NewReader(stdout)
	lines := 0
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			break // a line cut by the kill has no newline: not an acknowledgement
		}
		if err != nil {
			return lines, err
		}
		var p int32
		var base, n int64
		if _, err := fmt.Sscanf(line, "%d %d %d\n", &p, &base, &n); err != nil {
			return lines, fmt.Errorf("child printed %q (%v); stderr: %s", line, err, stderr.String())
		}
		if err := ack(p, base, n); err != nil {
			return lines, err
		}
		if lines++; lines == killAfter {
			kill()
		}
	}
	cmd.Wait()
	if !killed {
		return lines, fmt.Errorf("child ended before it was killed: %s", stderr.String())
	}
	return lines, nil
}

// checkCrashPartition reads partition p to end, checking offsets and
// checksums throughout and contents from offset check on.
func checkCrashPartition(l *Log, p int32, end, check int64) error {
	ctx := context.Background()
	r, err := l.OpenReader(ctx, crashTopic, p, 0)
	if err != nil {
		return err
	}
	defer r.Close()
	next := int64(0)
	for next < end {
		recs, err := r.Next(ctx)
		if err != nil {
			return fmt.Errorf("partition %d: reading offset %d of %d: %w", p, next, end, err)
		}
		for _, rec := range recs {
			if rec.Offset != next || rec.Partition != p {
				return fmt.Errorf("partition %d: record %d/%d where %d/%d was due", p, rec.Partition, rec.Offset, p, next)
			}
			if next >= check && !sameRecord(rec, crashRecord(p, next)) {
				return fmt.Errorf("partition %d: record at offset %d is not the one appended there: %+v", p, next, rec)
			}
			next++
		}
	}
	return nil
}
