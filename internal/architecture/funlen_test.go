package architecture

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Function length limits (issue 27): a function reads in one screen. Length counts the lines from
// `func` to the closing brace, both included.
const (
	maxFuncLines         = 80 // anywhere in the module, tests included
	maxProviderFuncLines = 60 // the provider's code, provider/pkg/ outside _test.go files
)

// funcLength is one function with a body: where it starts, its name and its length in lines.
type funcLength struct {
	path  string // slash-separated, relative to the module root
	line  int
	name  string
	lines int
}

// limit is the most lines f may have.
func (f funcLength) limit() int {
	if strings.HasPrefix(f.path, "provider/pkg/") && !strings.HasSuffix(f.path, "_test.go") {
		return maxProviderFuncLines
	}
	return maxFuncLines
}

// TestFunctionsFitTheirLimit: no function in the module is over maxFuncLines lines, and none of
// the provider's code (provider/pkg) over maxProviderFuncLines.
func TestFunctionsFitTheirLimit(t *testing.T) {
	var over []string
	for _, f := range moduleFuncs(t, moduleRoot(t)) {
		if f.lines > f.limit() {
			over = append(over, fmt.Sprintf("%s:%d: %s is %d lines, over the limit of %d",
				f.path, f.line, f.name, f.lines, f.limit()))
		}
	}
	if len(over) > 0 {
		t.Errorf("%d function(s) over their limit:\n\t%s\nSplit each into named steps: helpers that take "+
			"the state they need (and t, in tests), so the function reads like the procedure; move a test's "+
			"table to a package-level variable named after the test (TestDiagnose's is diagnoseCases).",
			len(over), strings.Join(over, "\n\t"))
	}
}

// moduleRoot is the directory of this module's go.mod, as the go command reports it.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", strings.TrimSuffix(module, "/")).Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// moduleFuncs parses every .go file of the module under root and measures its functions. It skips
// the SDKs (sdk/), hidden directories, testdata, node_modules and nested modules (a go.mod of
// their own, such as hack/gen-sdk-*).
func moduleFuncs(t *testing.T, root string) []funcLength {
	t.Helper()
	fset := token.NewFileSet()
	var funcs []funcLength
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(mustRel(t, root, path))
		if d.IsDir() {
			if path != root && skipDir(rel, d.Name(), path) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		funcs = append(funcs, fileFuncs(fset, rel, file)...)
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	if len(funcs) == 0 {
		t.Fatalf("found no function under %s", root)
	}
	sort.Slice(funcs, func(i, j int) bool {
		if funcs[i].path != funcs[j].path {
			return funcs[i].path < funcs[j].path
		}
		return funcs[i].line < funcs[j].line
	})
	return funcs
}

// skipDir tells the directories whose Go files are not this module's hand-written code.
func skipDir(rel, name, path string) bool {
	if rel == "sdk" || strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

func mustRel(t *testing.T, root, path string) string {
	t.Helper()
	rel, err := filepath.Rel(root, path)
	if err != nil {
		t.Fatalf("%s is not under %s: %v", path, root, err)
	}
	return rel
}

// fileFuncs measures the functions with a body declared in file.
func fileFuncs(fset *token.FileSet, rel string, file *ast.File) []funcLength {
	var funcs []funcLength
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
		funcs = append(funcs, funcLength{path: rel, line: start.Line, name: funcName(fn),
			lines: end.Line - start.Line + 1})
	}
	return funcs
}

// funcName is fn's name, Type.Method for a method.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
			continue
		case *ast.IndexExpr: // a generic receiver, T[P]
			typ = x.X
			continue
		case *ast.IndexListExpr:
			typ = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fn.Name.Name
		}
		return fn.Name.Name
	}
}
