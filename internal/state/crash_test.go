package state

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// The crash test runs its own test binary as a child that applies
// increments and checkpoints until it is killed with SIGKILL, then checks
// that the store holds exactly the state its checkpoint accounts for.
const (
	crashDirEnv    = "SLUICE_STATE_CRASH_DIR"    // set: this process is the child
	crashCyclesEnv = "SLUICE_STATE_CRASH_CYCLES" // kill and restart cycles, default 30
	crashSeedEnv   = "SLUICE_STATE_CRASH_SEED"   // the parent's seed for kill points
)

const (
	crashInput  = "in/0"
	crashOutput = "out/0"
	crashStore  = "counters"
	crashLast   = "last" // written by each checkpoint's last changes
	// crashMaxIncrements stops a child that was never killed.
	crashMaxIncrements = 2_000_000
)

func crashMix(i int64) uint64 {
	x := uint64(i)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e5d7
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

// applyIncrement applies increment i to the counters in kv; replaying
// 0..n-1 in order gives the state after n increments. Every 23rd or so
// deletes its counter, so tombstones are tested too.
func applyIncrement(i int64, get func(k []byte) (uint64, error), put func(k []byte, v uint64) error, del func(k []byte) error) error {
	m := crashMix(i)
	k := fmt.Appendf(nil, "c%02d", m%37)
	if m%23 == 0 {
		return del(k)
	}
	v, err := get(k)
	if err != nil {
		return err
	}
	return put(k, v+m%1000+1)
}

// crashBatch is how many increments the checkpoint after offset n covers.
func crashBatch(n int64) int64 { return 1 + int64(crashMix(^n)%80) }

// TestCrashChild is the child of TestCrash; it skips itself otherwise. It
// prints "c offset" once the checkpoint at that input offset has returned,
// and, between checkpoints, "a offset" after applying the increment at
// offset, then waits for a byte on its input before going on.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestCrash")
	}
	fail := func(err error) {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	s, err := Open(dir, Options{CacheBytes: 1 << 20})
	if err != nil {
		fail(err)
	}
	cp, _, err := s.LastCheckpoint()
	if err != nil {
		fail(err)
	}
	kv := s.KeyValue(crashStore)
	get := func(k []byte) (uint64, error) {
		v, ok, err := kv.Get(k)
		if !ok || err != nil {
			return 0, err
		}
		return binary.BigEndian.Uint64(v), nil
	}
	put := func(k []byte, v uint64) error { return kv.Put(k, binary.BigEndian.AppendUint64(nil, v)) }
	goOn := bufio.NewReader(os.Stdin)
	n := cp.Inputs[crashInput]
	for n < crashMaxIncrements {
		end := n + crashBatch(n)
		for ; n < end; n++ {
			if err := applyIncrement(n, get, put, kv.Delete); err != nil {
				fail(err)
			}
			// Mid-batch, with changes made but not committed, the
			// child reports and waits for the parent to say go on, so
			// that the parent can kill it right there.
			if n%8 == 0 {
				if _, err := fmt.Printf("a %d\n", n); err != nil {
					os.Exit(3)
				}
				if _, err := goOn.ReadByte(); err != nil {
					os.Exit(3)
				}
			}
		}
		meta := Checkpoint{Inputs: map[string]int64{crashInput: n}, Outputs: map[string]int64{crashOutput: 2 * n}, StreamTime: n}
		// The checkpoint's last changes commit with it, or not at all.
		last := func(b *Batch) error {
			return s.KeyValue(crashLast).PutLast(b, []byte("input"), binary.BigEndian.AppendUint64(nil, uint64(n)))
		}
		if err := s.Checkpoint(meta, last); err != nil {
			fail(err)
		}
		if _, err := fmt.Printf("c %d\n", n); err != nil {
			os.Exit(3)
		}
	}
	os.Exit(0)
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("this is the child process")
	}
	cycles := 30
	if s := os.Getenv(crashCyclesEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of cycles", crashCyclesEnv, s)
		}
		cycles = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", crashSeedEnv, s, err)
		}
	}
	t.Logf("seed %d, %d cycles (rerun with %s=%d %s=%d)", seed, cycles, crashSeedEnv, seed, crashCyclesEnv, cycles)
	rng := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()

	// The expected counters, replayed up to offset replayed.
	want := map[string]uint64{}
	var replayed int64
	get := func(k []byte) (uint64, error) { return want[string(k)], nil }
	put := func(k []byte, v uint64) error { want[string(k)] = v; return nil }
	del := func(k []byte) error { delete(want, string(k)); return nil }

	var acked int64 // the last offset the child said was checkpointed
	beyond := 0     // kills that landed after a commit but before its line
	for cycle := range cycles {
		killAfter := 1 + rng.IntN(40)
		err := runCrashChild(dir, killAfter, func(n int64) error {
			if n <= acked {
				return fmt.Errorf("child checkpointed offset %d after %d", n, acked)
			}
			acked = n
			return nil
		})
		if err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}

		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("cycle %d: reopening after the kill: %v", cycle, err)
		}
		// No checkpoint yet (the first child killed before its first)
		// reads as offset 0, which must come with no counters at all.
		cp, _, err := s.LastCheckpoint()
		if err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		n := cp.Inputs[crashInput]
		if n < acked || cp.Outputs[crashOutput] != 2*n || cp.StreamTime != n {
			t.Fatalf("cycle %d: checkpoint %+v, but offset %d was acknowledged", cycle, cp, acked)
		}
		if v, ok, err := s.KeyValue(crashLast).Get([]byte("input")); err != nil || ok != (n > 0) || ok && binary.BigEndian.Uint64(v) != uint64(n) {
			t.Fatalf("cycle %d: the checkpoint's last change is %x, %v (%v), want offset %d", cycle, v, ok, err, n)
		}
		if n > acked {
			beyond++
			acked = n
		}
		for ; replayed < n; replayed++ {
			applyIncrement(replayed, get, put, del)
		}
		got := map[string]uint64{}
		it, err := s.KeyValue(crashStore).Range(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for it.Next() {
			got[string(it.Key())] = binary.BigEndian.Uint64(it.Value())
		}
		if err := it.Err(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		it.Close()
		if len(got) != len(want) {
			t.Fatalf("cycle %d: %d counters after offset %d, want %d", cycle, len(got), n, len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("cycle %d: counter %s = %d after offset %d, want %d", cycle, k, got[k], n, v)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
	}
	t.Logf("%d cycles, %d increments checkpointed; %d kills fell between a commit and its acknowledgement", cycles, acked, beyond)
}

// runCrashChild starts the child, hands each checkpointed offset it
// prints to ack and kills it after killAfter lines of either kind. After
// an "a" line the kill lands mid-batch, where the child waits; after a
// "c" line the child runs on until the signal lands, at a random point
// (often inside the next checkpoint's commit).
func runCrashChild(dir string, killAfter int, ack func(n int64) error) error {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
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
			return err
		}
		var what byte
		var n int64
		if _, err := fmt.Sscanf(line, "%c %d\n", &what, &n); err != nil || (what != 'a' && what != 'c') {
			return fmt.Errorf("child printed %q (%v); stderr: %s", line, err, stderr.String())
		}
		if what == 'c' {
			if err := ack(n); err != nil {
				return err
			}
		}
		if lines++; lines == killAfter {
			kill()
		} else if what == 'a' && !killed {
			if _, err := stdin.Write([]byte{'g'}); err != nil {
				return err
			}
		}
	}
	cmd.Wait()
	if !killed {
		return fmt.Errorf("child ended before it was killed: %s", stderr.String())
	}
	return nil
}
