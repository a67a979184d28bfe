package archtest

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/sluicedata/sluice"

// pkg is one package of the module as found on disk.
type pkg struct {
	dir      string // relative to the module root, e.g. internal/log
	hasDoc   bool
	imports  map[string][]string // imported package dir -> files importing it (non-test files)
	problems []string            // house-rule violations
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s", dir)
	}
	return dir
}

// levels parses the package table of ARCHITECTURE.md.
func levels(t *testing.T, root string) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\|\\s*(\\d+)\\s*\\|\\s*`([^`]+)`\\s*\\|")
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			lvl, _ := strconv.Atoi(m[1])
			if _, dup := out[m[2]]; dup {
				t.Errorf("ARCHITECTURE.md lists %s twice", m[2])
			}
			out[m[2]] = lvl
		}
	}
	if len(out) == 0 {
		t.Fatal("ARCHITECTURE.md has no package table")
	}
	return out
}

// scan parses every Go package of the module.
func scan(t *testing.T, root string) map[string]*pkg {
	t.Helper()
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "docs") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		p := pkgs[rel]
		if p == nil {
			p = &pkg{dir: filepath.ToSlash(rel), imports: map[string][]string{}}
			pkgs[rel] = p
		}
		file, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		base := filepath.Base(path)
		isTest := strings.HasSuffix(base, "_test.go")
		if file.Doc != nil && !isTest {
			p.hasDoc = true
		}
		for _, im := range file.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			if ip == "flag" && !isTest && p.dir != "internal/cli" {
				p.problems = append(p.problems, base+" imports flag: flags belong to internal/cli")
			}
			if strings.HasPrefix(ip, module+"/") && !isTest {
				dep := strings.TrimPrefix(ip, module+"/")
				p.imports[dep] = append(p.imports[dep], base)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Name.Name == "init" && n.Recv == nil {
					p.problems = append(p.problems, base+" has an init() function: construct things explicitly")
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "time" && n.Sel.Name == "Sleep" && isTest {
					p.problems = append(p.problems, base+" calls time.Sleep: wait on a condition or advance a clock.Fake")
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestArchitectureTableMatchesPackages(t *testing.T) {
	root := repoRoot(t)
	lv := levels(t, root)
	pkgs := scan(t, root)
	var dirs []string
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if d == "." {
			continue
		}
		if _, ok := lv[d]; !ok {
			t.Errorf("package %s is not in ARCHITECTURE.md's package table: add it with its level and what it owns", d)
		}
	}
	for d := range lv {
		if pkgs[d] == nil {
			t.Errorf("ARCHITECTURE.md lists %s, which has no Go files", d)
		}
	}
}

func TestNoUpwardImports(t *testing.T) {
	root := repoRoot(t)
	lv := levels(t, root)
	for _, p := range scan(t, root) {
		mine, ok := lv[p.dir]
		if !ok {
			continue // reported by TestArchitectureTableMatchesPackages
		}
		for dep, files := range p.imports {
			theirs, ok := lv[dep]
			if ok && theirs > mine {
				t.Errorf("%s (level %d) imports %s (level %d) in %s: a package may import only its own level or below", p.dir, mine, dep, theirs, strings.Join(files, ", "))
			}
		}
	}
}

func TestHouseRules(t *testing.T) {
	for _, p := range scan(t, repoRoot(t)) {
		if p.dir != "." && !p.hasDoc {
			t.Errorf("%s has no package comment: say what the package owns, with an example (doc.go)", p.dir)
		}
		for _, problem := range p.problems {
			t.Errorf("%s: %s", p.dir, problem)
		}
	}
}
