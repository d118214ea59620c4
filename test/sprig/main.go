// Command sprig renders the cases of test/sprig/cases.json with Go text/template and the function map Helm
// gives charts (sprig's TxtFuncMap plus Helm's own toYaml, fromYaml, toJson, fromJson, required), and prints
// {"case name": {"out": "<JSON of the value>"} or {"error": "..."}} as JSON. test/helpers-sprig.test.ts compares strata's
// helpers with this output (committed as expected.json, and compared with a fresh run when Go is present).
//
// Data is decoded as Helm decodes values (numbers are float64).
//
// Build in GOPATH mode against Debian's packages (see docs/helpers.md):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run ./test/sprig test/sprig/cases.json
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml2 "gopkg.in/yaml.v2"
	"helmjson"
)

type testCase struct {
	Name string                 `json:"name"`
	Go   string                 `json:"go"`
	Data map[string]interface{} `json:"data"`
}

// The table: shared data, and cases whose `go` expression is rendered as {{ toJson (EXPR) }}, so the value
// of the expression is compared, not Go's printing of it.
type table struct {
	Data  map[string]interface{} `json:"data"`
	Cases []testCase             `json:"cases"`
}

type result struct {
	Out   *string `json:"out,omitempty"`
	Error *string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sprig CASES.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	exitOn(err)
	var tab table
	exitOn(json.Unmarshal(raw, &tab))
	out := map[string]result{}
	for _, c := range tab.Cases {
		if c.Data == nil {
			c.Data = tab.Data
		}
		if _, dup := out[c.Name]; dup {
			exitOn(fmt.Errorf("case %q is defined twice", c.Name))
		}
		out[c.Name] = run(c)
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	// A stable, one-case-per-line JSON object, so a change shows as a small diff.
	var b strings.Builder
	b.WriteString("{\n")
	for i, n := range names {
		k, _ := json.Marshal(n)
		v, _ := json.Marshal(out[n])
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
		if i < len(names)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	fmt.Print(b.String())
}

func run(c testCase) (r result) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprint(p)
			r = result{Error: &msg}
		}
	}()
	t, err := template.New(c.Name).Option("missingkey=zero").Funcs(funcMap()).Parse("{{ toJson (" + c.Go + ") }}")
	if err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, c.Data); err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	s := buf.String()
	return result{Out: &s}
}

// funcMap is what Helm's engine gives templates (helm/helm pkg/engine/funcs.go): sprig's text functions
// with env/expandenv removed, and Helm's own YAML/JSON and required.
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYaml
	f["fromYaml"] = fromYaml
	f["fromYamlArray"] = fromYamlArray
	f["toJson"] = helmjson.ToJson
	f["fromJson"] = helmjson.FromJson
	f["fromJsonArray"] = helmjson.FromJsonArray
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, fmt.Errorf(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, fmt.Errorf(msg)
		}
		return v, nil
	}
	return f
}

// toYaml is Helm's: sigs.k8s.io/yaml.Marshal (JSON first, then yaml.v2), without the trailing newline.
func toYaml(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml2.Unmarshal(j, &obj); err != nil {
		return ""
	}
	b, err := yaml2.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

// yamlToJSONValue turns yaml.v2's output into what sigs.k8s.io/yaml gives: string keys, float64 numbers.
func yamlToJSONValue(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, x := range t {
			m[fmt.Sprint(k)] = yamlToJSONValue(x)
		}
		return m
	case []interface{}:
		for i, x := range t {
			t[i] = yamlToJSONValue(x)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	default:
		return v
	}
}

func fromYaml(s string) map[string]interface{} {
	var v interface{}
	if err := yaml2.Unmarshal([]byte(s), &v); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	m, ok := yamlToJSONValue(v).(map[string]interface{})
	if !ok {
		return map[string]interface{}{"Error": "not a map"}
	}
	return m
}

func fromYamlArray(s string) []interface{} {
	var v interface{}
	if err := yaml2.Unmarshal([]byte(s), &v); err != nil {
		return []interface{}{err.Error()}
	}
	a, ok := yamlToJSONValue(v).([]interface{})
	if !ok {
		return []interface{}{"not a list"}
	}
	return a
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sprig:", err)
		os.Exit(1)
	}
}
