package wegotest

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsePackage parses the package's own (non-test) files with comments.
func parsePackage(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	return fset, files
}

// The package doc says what the package does today: it links every
// method of Server and every message builder, so a method added without
// a word in the overview fails here.
func TestPackageDocCoversTheAPI(t *testing.T) {
	t.Parallel()
	fset, files := parsePackage(t)
	p, err := doc.NewFromFiles(fset, files, "github.com/wego-sdk/wego/wegotest")
	require.NoError(t, err)
	var want []string
	for _, typ := range p.Types {
		switch typ.Name {
		case "Server":
			for _, m := range typ.Methods {
				want = append(want, "[Server."+m.Name+"]")
			}
		case "Message":
			for _, f := range typ.Funcs { // the builders: TextMessage, ...
				want = append(want, "["+f.Name+"]")
			}
			for _, m := range typ.Methods {
				want = append(want, "[Message."+m.Name+"]")
			}
		}
	}
	require.Contains(t, want, "[TextMessage]")
	require.Contains(t, want, "[Message.With]")
	for _, w := range want {
		assert.Contains(t, p.Doc, w, "the package doc names %s", w)
	}
}

// One figure for WeChat's push retries: wherever the docs count them, they
// say three deliveries in all, the first and two retries.
func TestDocsCountPushDeliveriesOneWay(t *testing.T) {
	t.Parallel()
	_, files := parsePackage(t)
	counted := regexp.MustCompile(`(?i)\b(three|3)\s+(deliver|retr|attempt|times)|\b(retr\w*|deliver\w*)\s+(up to\s+)?(three|3)\b|up to three`)
	found := 0
	for _, f := range files {
		for _, g := range f.Comments {
			text := strings.Join(strings.Fields(g.Text()), " ")
			if !counted.MatchString(text) {
				continue
			}
			found++
			assert.Regexp(t, `three deliveries in all(: | \()the first and two retries`, text, "a comment counting deliveries: %q", text)
			assert.NotRegexp(t, `(?i)up to three|three retries|retries three`, text)
		}
	}
	assert.GreaterOrEqual(t, found, 4, "the package doc, Push, SetPushTimeout, DefaultPushTimeout and PushReply.Attempts count them")
}
