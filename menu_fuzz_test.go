package wego_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wego-sdk/wego"
)

// FuzzMenuJSON loads any bytes as a menu file (a menu, with a matchrule
// for a conditional one) and validates it: nothing panics, a refusal
// wraps one of the two sentinels, and whatever validates marshals, as
// json.Marshal and as the SDK sends it (no HTML escaping), and loads back
// equal.
func FuzzMenuJSON(f *testing.F) {
	files, err := filepath.Glob("testdata/menu*/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cm wego.ConditionalMenu
		if json.Unmarshal(data, &cm) != nil {
			return
		}
		if err := cm.Menu.Validate(); err != nil {
			checkRefusal(t, err)
		} else {
			var back wego.Menu
			roundTrip(t, cm.Menu, &back)
			if !reflect.DeepEqual(cm.Menu, back) {
				t.Fatalf("menu changed on the way back:\n%#v\n%#v", cm.Menu, back)
			}
		}
		if err := cm.MatchRule.Validate(); err != nil {
			checkRefusal(t, err)
		} else {
			var back wego.MatchRule
			roundTrip(t, cm.MatchRule, &back)
			if back != cm.MatchRule {
				t.Fatalf("rule changed on the way back: %#v, %#v", cm.MatchRule, back)
			}
		}
	})
}

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, wego.ErrInvalidParameter) && !errors.Is(err, wego.ErrMissingParameter) {
		t.Fatalf("refusal without a sentinel: %v", err)
	}
}

// roundTrip marshals v both ways and loads each into out, which must come
// out the same.
func roundTrip(t *testing.T, v, out any) {
	t.Helper()
	plain, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encode: %v", err)
	}
	if err := json.Unmarshal(buf.Bytes(), out); err != nil {
		t.Fatalf("load what was sent: %v\n%s", err, buf.Bytes())
	}
	again := reflect.New(reflect.TypeOf(out).Elem())
	if err := json.Unmarshal(plain, again.Interface()); err != nil {
		t.Fatalf("load what was marshalled: %v\n%s", err, plain)
	}
	if !reflect.DeepEqual(again.Elem().Interface(), reflect.ValueOf(out).Elem().Interface()) {
		t.Fatalf("the two encodings load differently:\n%s\n%s", plain, buf.Bytes())
	}
}
