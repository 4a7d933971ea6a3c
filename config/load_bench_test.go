package config_test

import (
	"fmt"
	"testing"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// BenchmarkLoad loads the configuration of a project of a few thousand committed
// files: what config.Load costs besides werf.yaml itself is what it reads of the
// working tree to check giterminism.
func BenchmarkLoad(b *testing.B) {
	const image = "image: app\ndockerfile: Dockerfile\n"
	cases := []struct {
		name  string
		files map[string]string
	}{
		{"plain", map[string]string{"werf.yaml": meta + image}},
		{"files-exists", map[string]string{"werf.yaml": meta + image + "args: {V: '{{ .Files.Exists \"d7/f7.txt\" }}'}\n"}},
		{"templates", map[string]string{"werf.yaml": meta + image, ".werf/a.tmpl": "{{ define \"a\" }}{{ end }}"}},
		{"stapel-60", map[string]string{"werf.yaml": meta + stapelImages(60)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := gittest.New(b)
			files := map[string]string{}
			for d := range 100 {
				for f := range 40 {
					files[fmt.Sprintf("d%d/f%d.txt", d, f)] = fmt.Sprintf("file %d of %d\n", f, d)
				}
			}
			for k, v := range c.files {
				files[k] = v
			}
			r.CommitFiles(files)
			opts := config.Options{LookupEnv: func(string) (string, bool) { return "", false }}
			for b.Loop() {
				s, err := source.Open(r.Dir)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := config.Load(s, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// stapelImages is a Deckhouse-sized werf.yaml: n Stapel images, each built from
// the previous one, with git mappings and an import from it.
func stapelImages(n int) string {
	out := "image: img-0\nfrom: alpine:3.20\n"
	for i := 1; i < n; i++ {
		out += fmt.Sprintf(`---
image: img-%d
fromImage: img-%d
git:
- {add: /d%d, to: /app, stageDependencies: {install: ["*.txt"]}}
- {add: /d%d, to: /app/sub, includePaths: [a, b]}
import:
- {image: img-%d, add: /app, to: /app/prev, after: install}
shell: {install: [make]}
`, i, i-1, i%100, (i+1)%100, i-1)
	}
	return out
}
