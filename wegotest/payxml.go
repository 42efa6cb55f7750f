package wegotest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
)

// parsePayXML reads a flat WeChat Pay message, <xml><k>v</k>...</xml>, into
// a map. It is deliberately independent of the SDK's own parser, so the
// fake checks the SDK instead of agreeing with it.
func parsePayXML(body []byte) (map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	m := make(map[string]string)
	depth, roots := 0, 0
	var name string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				roots++
			case 2:
				name = t.Name.Local
				text.Reset()
			default:
				return nil, errors.New("nested element " + t.Name.Local)
			}
		case xml.EndElement:
			if depth == 2 {
				if _, dup := m[name]; dup {
					return nil, errors.New("repeated element " + name)
				}
				m[name] = text.String()
			}
			depth--
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		}
	}
	if roots != 1 {
		return nil, errors.New("want one root element")
	}
	return m, nil
}

// encodePayXML writes m as WeChat does: <xml>, one CDATA element per field
// in name order, </xml>.
func encodePayXML(root string, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.WriteString("<" + root + ">")
	for _, k := range keys {
		b.WriteString("<" + k + "><![CDATA[")
		b.WriteString(strings.ReplaceAll(m[k], "]]>", "]]]]><![CDATA[>"))
		b.WriteString("]]></" + k + ">")
	}
	b.WriteString("</" + root + ">")
	return b.Bytes()
}
