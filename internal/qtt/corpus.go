package qtt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// CorpusEnv names the environment variable that points at the corpus
// directory, the one holding query-validation-tests/.
const CorpusEnv = "SLUICE_QTT_DIR"

// CorpusDir locates ksqlDB's test corpus: $SLUICE_QTT_DIR if set, else
// <module root>/../shared/ksql-qtt, the module root being the nearest
// directory at or above the working directory that holds go.mod. The error
// says where it looked.
func CorpusDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("qtt: cannot locate the test corpus: %w", err)
	}
	return FindCorpus(os.Getenv, wd)
}

// FindCorpus is CorpusDir with the environment and the working directory
// passed in.
func FindCorpus(getenv func(string) string, wd string) (string, error) {
	if dir := getenv(CorpusEnv); dir != "" {
		if err := checkCorpus(dir); err != nil {
			return "", fmt.Errorf("qtt: %s=%s is not a test corpus: %w", CorpusEnv, dir, err)
		}
		return dir, nil
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return "", fmt.Errorf("qtt: cannot locate the test corpus: %w; set %s to the directory holding %s/", err, CorpusEnv, QTTDir)
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "ksql-qtt")
	if err := checkCorpus(dir); err != nil {
		return "", fmt.Errorf("qtt: no test corpus beside the module root %s: %w; put it in %s or set %s", root, err, dir, CorpusEnv)
	}
	return dir, nil
}

func checkCorpus(dir string) error {
	qtt := filepath.Join(dir, QTTDir)
	st, err := os.Stat(qtt)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", qtt)
	}
	return nil
}

func moduleRoot(wd string) (string, error) {
	dir, err := filepath.Abs(wd)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above %s", wd)
		}
		dir = parent
	}
}

// RequireCorpus returns the corpus directory for a test. When the corpus is
// missing it fails the test if the CI environment variable is set (a missing
// oracle must not pass silently there) and skips it otherwise; both say
// where it looked.
func RequireCorpus(t testing.TB) string {
	t.Helper()
	dir, err := CorpusDir()
	if err == nil {
		return dir
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%v (CI is set, so the corpus is required)", err)
	}
	t.Skipf("%v", err)
	return ""
}
