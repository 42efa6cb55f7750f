package wegotest

import (
	"go/ast"
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
	assert.GreaterOrEqual(t, found, 4, "Push, SetPushTimeout, DefaultPushTimeout and PushReply.Attempts count them")
}
