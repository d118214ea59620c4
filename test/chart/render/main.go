// Command render is a small stand-in for `helm template`, used by the chart tests on machines with no helm
// binary. It implements the parts of Helm's engine that charts use: text/template with sprig's function map
// plus Helm's own functions (include/tpl/required/lookup and the to/from YAML/JSON family of
// pkg/engine/funcs.go), values from values.yaml merged with -f files and --set pairs, and the
// .Release/.Chart/.Capabilities/.Files/.Template objects. The reference is Helm v3.16 (client-go v0.31, so
// Kubernetes 1.31), the Helm 3 line Argo CD ships.
//
// Usage:
//
//	render [flags] CHART_DIR                 print a `---` YAML stream with `# Source:` comments
//	render --notes [flags] CHART_DIR         print the rendered NOTES.txt instead
//	render --tpl-values FILE --key a.b       toYaml the value at a.b of FILE, run it through tpl (as the
//	                                         upstream argo-cd chart does with repoServer.extraContainers)
//	render --print-api-versions              print the default .Capabilities.APIVersions, comma-separated
//
// Build in GOPATH mode against Debian's packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o render ./test/chart/render
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml2 "gopkg.in/yaml.v2"
	"gopkg.in/yaml.v3"
	"helmjson"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var sets, setStrings, valueFiles, extraAPIs multiFlag
	name := flag.String("name", "strata", "release name")
	namespace := flag.String("namespace", "argocd", "release namespace")
	upgrade := flag.Bool("is-upgrade", false, "render as an upgrade (.Release.IsUpgrade)")
	notes := flag.Bool("notes", false, "print the rendered templates/NOTES.txt only")
	showValues := flag.Bool("show-values", false, "print the merged values as JSON and exit")
	tplValues := flag.String("tpl-values", "", "values FILE whose --key value is rendered through tpl")
	key := flag.String("key", "", "dotted key path for --tpl-values")
	// Helm 3 release builds set the default Kubernetes version from their client-go (v0.31 -> v1.31.0 for
	// Helm 3.16; helm/helm Makefile K8S_MODULES_VER).
	kubeVersion := flag.String("kube-version", "v1.31.0", "Capabilities.KubeVersion")
	printAPIs := flag.Bool("print-api-versions", false, "print the default Capabilities.APIVersions and exit")
	flag.Var(&extraAPIs, "api-versions", "a,b: API versions ADDED to the default set (repeatable), as helm's --api-versions")
	flag.Var(&sets, "set", "key=value (repeatable; numbers, true/false/null are typed)")
	flag.Var(&setStrings, "set-string", "key=value (repeatable; always a string)")
	flag.Var(&valueFiles, "f", "values file (repeatable)")
	flag.Parse()

	if *printAPIs {
		fmt.Println(strings.Join(defaultAPIVersions, ","))
		return
	}
	if *tplValues != "" {
		out, err := renderTplValues(*tplValues, *key)
		exitOn(err)
		fmt.Print(out)
		return
	}
	if flag.NArg() != 1 {
		exitOn(errors.New("usage: render [flags] CHART_DIR"))
	}
	chart, err := loadChart(flag.Arg(0))
	exitOn(err)
	values, err := mergeValues(chart.values, valueFiles, sets, setStrings)
	exitOn(err)
	if *showValues {
		b, _ := json.MarshalIndent(values, "", "  ")
		fmt.Println(string(b))
		return
	}
	release := map[string]interface{}{
		"Name": *name, "Namespace": *namespace, "Service": "Helm",
		"IsInstall": !*upgrade, "IsUpgrade": *upgrade, "Revision": 1,
	}
	if *upgrade {
		release["Revision"] = 2
	}
	apis := append(apiVersions{}, defaultAPIVersions...)
	for _, a := range extraAPIs {
		for _, v := range strings.Split(a, ",") {
			if v = strings.TrimSpace(v); v != "" {
				apis = append(apis, v)
			}
		}
	}
	out, err := render(chart, values, release, *kubeVersion, apis, *notes)
	exitOn(err)
	fmt.Print(out)
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

// --- chart loading ---

type chart struct {
	name      string
	meta      map[string]interface{} // .Chart, keys capitalised as Helm exposes them
	values    map[string]interface{}
	templates map[string]string // "NAME/templates/x.yaml" -> source
	files     files
}

func loadChart(dir string) (*chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var cy map[string]interface{}
	if err := yaml.Unmarshal(raw, &cy); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %w", err)
	}
	meta := map[string]interface{}{}
	for k, v := range cy {
		meta[strings.ToUpper(k[:1])+k[1:]] = v
	}
	c := &chart{name: fmt.Sprint(cy["name"]), meta: meta, templates: map[string]string{}, files: files{}}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if c.values, err = readValues(raw); err != nil {
			return nil, fmt.Errorf("values.yaml: %w", err)
		}
	}
	if c.values == nil {
		c.values = map[string]interface{}{}
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			c.templates[c.name+"/"+rel] = string(b)
		} else if rel != "Chart.yaml" && rel != "values.yaml" {
			c.files[rel] = b
		}
		return nil
	})
	return c, err
}

// files is .Files: chart files outside templates/.
type files map[string][]byte

func (f files) Get(name string) string      { return string(f[name]) }
func (f files) GetBytes(name string) []byte { return f[name] }

// --- values ---

func mergeValues(base map[string]interface{}, valueFiles, sets, setStrings []string) (map[string]interface{}, error) {
	out := deepCopy(base).(map[string]interface{})
	for _, f := range valueFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		m, err := readValues(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		coalesce(out, m)
	}
	for _, s := range sets {
		if err := setPath(out, s, true); err != nil {
			return nil, err
		}
	}
	for _, s := range setStrings {
		if err := setPath(out, s, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readValues reads a values file as Helm does (pkg/chartutil/values.go ReadValues -> sigs.k8s.io/yaml
// Unmarshal): the YAML is turned into JSON and decoded by encoding/json, so every number is a float64. The
// harness mimics this on purpose, although strata deliberately has one number type where whole numbers act as
// Go ints (docs/from-helm.md "Numbers"): the harness stands in for `helm template`, charts written for Helm
// test it (podinfo's `kindIs "float64"`), and a difference that follows from strata's choice should show up
// in a comparison, not be hidden by the reference.
// One known gap: sigs.k8s.io/yaml reads YAML 1.1 (yaml.v2: `on`, `off`, `yes` are booleans); the harness keeps
// yaml.v3's YAML 1.2 reading because helm/strata's chart tests (test/chart/checks.mjs) expect `off` and `yes`
// to stay strings. strata refuses those words in values files, so a chart using them fails loudly in a
// comparison rather than differing silently.
func readValues(raw []byte) (map[string]interface{}, error) {
	var m map[string]interface{}
	if err := helmYAMLUnmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// helmYAMLUnmarshal is sigs.k8s.io/yaml's Unmarshal as Helm uses it (YAML 1.2 words aside, see readValues):
// map keys made strings, then a JSON round trip into out.
func helmYAMLUnmarshal(raw []byte, out interface{}) error {
	var v interface{}
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return err
	}
	j, err := json.Marshal(jsonable(v))
	if err != nil {
		return err
	}
	return json.Unmarshal(j, out)
}

// jsonable turns a map[interface{}]interface{} (a mapping with non-string keys) into map[string]interface{}
// (keys printed as text), as sigs.k8s.io/yaml does before its JSON step.
func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, x := range t {
			out[k] = jsonable(x)
		}
		return out
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, x := range t {
			out[fmt.Sprint(k)] = jsonable(x)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, x := range t {
			out[i] = jsonable(x)
		}
		return out
	default:
		return v
	}
}

// coalesce merges src into dst: maps deep, anything else replaced, null deletes (as Helm does against the
// chart's own values.yaml).
func coalesce(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				coalesce(dm, sm)
				continue
			}
		}
		dst[k] = deepCopy(v)
	}
}

var intRe = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)

// setPath applies one `a.b.c=value` pair (no list indexes, no commas: enough for the tests).
func setPath(m map[string]interface{}, pair string, typed bool) error {
	eq := strings.IndexByte(pair, '=')
	if eq < 1 {
		return fmt.Errorf("--set %q: expected key=value", pair)
	}
	keys := strings.Split(pair[:eq], ".")
	var val interface{} = pair[eq+1:]
	if typed {
		s := pair[eq+1:]
		switch {
		case strings.EqualFold(s, "true"):
			val = true
		case strings.EqualFold(s, "false"):
			val = false
		case strings.EqualFold(s, "null"):
			val = nil
		case intRe.MatchString(s):
			// Helm's pkg/strvals types a whole number given by --set as int64.
			n, _ := strconv.ParseInt(s, 10, 64)
			val = n
		}
	}
	cur := m
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			cur[k] = next
		}
		cur = next
	}
	if val == nil {
		delete(cur, keys[len(keys)-1])
	} else {
		cur[keys[len(keys)-1]] = val
	}
	return nil
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	default:
		return v
	}
}

// --- rendering ---

type capabilities struct {
	KubeVersion map[string]string
	APIVersions apiVersions
}

type apiVersions []string

// defaultAPIVersions is what `helm template` offers with no cluster: Helm's DefaultVersionSet
// (pkg/chartutil/capabilities.go allKnownVersions) is every group/version registered in client-go's
// kubernetes/scheme (register.go, here at client-go v0.31.0, Helm 3.16's) plus apiextensions.k8s.io v1 and
// v1beta1. Group/versions only: no `group/version/Kind` entries, so `.Capabilities.APIVersions.Has
// "policy/v1/PodDisruptionBudget"` is false under `helm template` unless --api-versions adds it.
var defaultAPIVersions = []string{
	"admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1alpha1", "admissionregistration.k8s.io/v1beta1",
	"internal.apiserver.k8s.io/v1alpha1",
	"apps/v1", "apps/v1beta1", "apps/v1beta2",
	"authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1",
	"authorization.k8s.io/v1", "authorization.k8s.io/v1beta1",
	"autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2",
	"batch/v1", "batch/v1beta1",
	"certificates.k8s.io/v1", "certificates.k8s.io/v1beta1", "certificates.k8s.io/v1alpha1",
	"coordination.k8s.io/v1alpha1", "coordination.k8s.io/v1beta1", "coordination.k8s.io/v1",
	"v1",
	"discovery.k8s.io/v1", "discovery.k8s.io/v1beta1",
	"events.k8s.io/v1", "events.k8s.io/v1beta1",
	"extensions/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1beta2",
	"flowcontrol.apiserver.k8s.io/v1beta3",
	"networking.k8s.io/v1", "networking.k8s.io/v1alpha1", "networking.k8s.io/v1beta1",
	"node.k8s.io/v1", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1",
	"policy/v1", "policy/v1beta1",
	"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1",
	"resource.k8s.io/v1alpha3",
	"scheduling.k8s.io/v1alpha1", "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1",
	"storage.k8s.io/v1beta1", "storage.k8s.io/v1", "storage.k8s.io/v1alpha1",
	"storagemigration.k8s.io/v1alpha1",
	"apiextensions.k8s.io/v1beta1", "apiextensions.k8s.io/v1",
}

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func render(c *chart, values map[string]interface{}, release map[string]interface{}, kubeVersion string, apis apiVersions, notesOnly bool) (string, error) {
	kv := strings.TrimPrefix(kubeVersion, "v")
	parts := strings.SplitN(kv, ".", 3)
	for len(parts) < 2 {
		parts = append(parts, "0")
	}
	caps := capabilities{
		KubeVersion: map[string]string{"Version": "v" + kv, "GitVersion": "v" + kv, "Major": parts[0], "Minor": parts[1]},
		APIVersions: apis,
	}
	top := func(tname string) map[string]interface{} {
		return map[string]interface{}{
			"Values": values, "Release": release, "Chart": c.meta, "Capabilities": caps, "Files": c.files,
			"Template": map[string]interface{}{"Name": tname, "BasePath": c.name + "/templates"},
		}
	}

	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcMap(t))
	names := make([]string, 0, len(c.templates))
	for n := range c.templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(c.templates[n]); err != nil {
			return "", err
		}
	}

	var out strings.Builder
	for _, n := range names {
		base := path.Base(n)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != notesOnly {
			continue
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, n, top(n)); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if notesOnly {
			out.WriteString(text)
			continue
		}
		for _, doc := range splitDocs(text) {
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", n, doc)
		}
	}
	return out.String(), nil
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitDocs drops documents that are empty or only comments, as Helm does.
func splitDocs(text string) []string {
	var docs []string
	for _, d := range docSep.Split(text, -1) {
		meaningful := false
		for _, line := range strings.Split(d, "\n") {
			l := strings.TrimSpace(line)
			if l != "" && !strings.HasPrefix(l, "#") {
				meaningful = true
				break
			}
		}
		if meaningful {
			docs = append(docs, strings.Trim(d, "\n"))
		}
	}
	return docs
}

func funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	includeDepth := 0
	f["include"] = func(name string, data interface{}) (string, error) {
		includeDepth++
		defer func() { includeDepth-- }()
		if includeDepth > 1000 {
			return "", fmt.Errorf("include %q: recursion too deep", name)
		}
		var buf bytes.Buffer
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		tt, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		var buf bytes.Buffer
		if err := tt.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	// Helm's own functions, as pkg/engine/funcs.go (Helm 3.16-3.19; mustToJson/mustToYaml are Helm 4's)
	// defines them: the to* forms swallow a marshal error into "" and the must* forms fail the render; the
	// from* forms never fail but put the error under "Error" (maps) or as the only item (arrays).
	f["toYaml"] = toYaml
	f["mustToYaml"] = func(v interface{}) (string, error) { return helmYAMLMarshal(v) }
	f["toYamlPretty"] = func(v interface{}) string {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return ""
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := helmYAMLUnmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := helmYAMLUnmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = helmjson.ToJson
	f["mustToJson"] = helmjson.MustToJson
	f["fromJson"] = helmjson.FromJson
	f["fromJsonArray"] = helmjson.FromJsonArray
	// Helm's TOML functions need BurntSushi/toml, which the harness does not build against: they fail when
	// called (not when parsed), so a chart that only names them in an unused branch still renders as in Helm.
	for _, name := range []string{"toToml", "mustToToml", "fromToml"} {
		name := name
		f[name] = func(interface{}) (string, error) {
			return "", fmt.Errorf("%s: not supported by this harness (test/chart/render)", name)
		}
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["lookup"] = func(...interface{}) (map[string]interface{}, error) { return map[string]interface{}{}, nil }
	return f
}

// toYaml is Helm's (sigs.k8s.io/yaml Marshal): JSON first, then that JSON re-read and printed by yaml.v2, so
// sorted keys, lists not indented, and a float64 that is whole prints as an integer (1000000, not 1e+06).
func toYaml(v interface{}) string {
	s, err := helmYAMLMarshal(v)
	if err != nil {
		return ""
	}
	return s
}

func helmYAMLMarshal(v interface{}) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var obj interface{}
	if err := yaml2.Unmarshal(j, &obj); err != nil {
		return "", err
	}
	b, err := yaml2.Marshal(obj)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// --- tpl over a values file (the upstream argo-cd chart's handling of extraContainers) ---

func renderTplValues(file, key string) (string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var vals map[string]interface{}
	if err := yaml.Unmarshal(raw, &vals); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	var cur interface{} = vals
	for _, k := range strings.Split(key, ".") {
		m, ok := cur.(map[string]interface{})
		if !ok || m[k] == nil {
			return "", fmt.Errorf("%s: no value at %s", file, key)
		}
		cur = m[k]
	}
	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcMap(t))
	tt, err := t.New("tpl").Parse(toYaml(cur))
	if err != nil {
		return "", fmt.Errorf("tpl %s: %w", key, err)
	}
	var buf bytes.Buffer
	data := map[string]interface{}{"Values": vals, "Release": map[string]interface{}{"Name": "argocd", "Namespace": "argocd"}}
	if err := tt.Execute(&buf, data); err != nil {
		return "", err
	}
	return buf.String() + "\n", nil
}
