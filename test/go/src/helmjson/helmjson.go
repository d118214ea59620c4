// Package helmjson is Helm's JSON template functions (helm/helm pkg/engine/funcs.go: toJson, mustToJson,
// fromJson, fromJsonArray), shared by the two Go harnesses: test/sprig (strata's helpers against sprig) and
// test/chart/render (the stand-in for `helm template`). Both build in GOPATH mode with test/go on GOPATH.
package helmjson

import "encoding/json"

// ToJson is Helm's toJson: the error is swallowed into an empty string.
func ToJson(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// MustToJson is Helm's mustToJson: the error fails the render.
func MustToJson(v interface{}) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// FromJson is Helm's fromJson: an error is returned as data, under the key "Error".
func FromJson(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// FromJsonArray is Helm's fromJsonArray: an error is returned as the only item.
func FromJsonArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}
