package importsum_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/importsum"
)

// Values a real werf v2.77.1 (Buildah, native-chroot) wrote on 2026-12-06 when
// it built project "importcheck": image src `from:` a base of these two layers,
// image dst importing from src. The checksums are werf's
// werf-import-checksum-<ID> labels of dst's dependenciesAfterInstall and
// dependenciesBeforeSetup stages (and the checksum labels of its
// import-metadata-<SourceID> records); the label suffixes are ID, the record tags
// SourceID over src's werf-stage-content-digest. werf computed them on src's
// stage as Buildah re-exported the layers (its own tars, whiteouts re-encoded,
// an empty third layer); these tests compute them on the layers as written here.
var werfBaseLayers = [][]entry{
	{
		dir("data/"), file("data/file.txt", "text\n"), file("data/a.log", "log"),
		dir("data/sub/"), file("data/sub/x.txt", "x"), dir("data/sub/skip/"), file("data/sub/skip/y.txt", "y"), dir("data/sub/deep/"), file("data/sub/deep/z", "z"),
		file("data/gone.txt", "will be whited out"), dir("data/gonedir/"), file("data/gonedir/f", "f"),
		dir("data/opq/"), file("data/opq/old", "old"), dir("data/opq/olddir/"), file("data/opq/olddir/o", "o"),
		file("data/replaced", "v1"), file("data/hard", "hard content"), hardlink("data/hardlink", "data/hard"),
		symlink("data/link-to-dir", "sub"), symlink("data/abs-link", "/data/file.txt"), symlink("data/dangling", "/nowhere"),
		dir("data/empty/"), dir("data/onlyempty/"), dir("data/onlyempty/e1/"), dir("data/onlyempty/e1/e2/"),
		file("data/a-b", "ab"), dir("data/a/"), file("data/a/b", "a/b"), file("data/B", "B"),
		dir("usr/"), dir("usr/lib/"), dir("usr/lib/pkg/"), file("usr/lib/pkg/lib.so", "so"), symlink("usr/lib/pkg/inner", ".."), symlink("lib", "usr/lib"),
		dir("outside/"), file("outside/tool", "tool"),
		dir("tmp/"),
	},
	{
		dir("data/"), whiteout("data/.wh.gone.txt"), whiteout("data/.wh.gonedir"),
		dir("data/opq/"), opaque("data/opq"), file("data/opq/new", "new"),
		file("data/replaced", "v2"),
		dir("outside/"), file("outside/tool2", "tool2"), hardlink("data/hl2", "outside/tool2"),
	},
}

// werfContentDigest is the werf-stage-content-digest of src's stage.
const werfContentDigest = "cdb891fcfa89abdda68cec16f60394b853647a3c8132f369e514a72a"

var werfImports = []struct {
	imp      config.FileImport
	checksum string
	id       string // "" where the test does not pin it
	sourceID string
}{
	{
		imp:      config.FileImport{Image: "src", Add: "/data", To: "/imp/a", After: "install"},
		checksum: "91a10f368339fdf1fb5b7278f7773685",
		id:       "5dd7750e050e9410a4e888efe16f545d1cfaa96c1de920332afa2a9058dcabb2",
		sourceID: "2a0ed2200375e146108da481bf926c48077361c7115bded7fca5308861f84166",
	},
	{
		imp:      config.FileImport{Image: "src", Add: "/data", To: "/imp/b", After: "install", IncludePaths: []string{"*.txt", "sub"}, ExcludePaths: []string{"sub/skip", "**/*.log"}},
		checksum: "2ce3782495de0be1525432e82d39decb",
		id:       "b31879f08fff0819169ce7ec4ef0ba74e383b2d158d0afc5f6c55fd22f537ac5",
		sourceID: "48c74ca1ee4aee675722978f605e915f922e56bdbf30a07320505a2deab69f22",
	},
	{
		imp:      config.FileImport{Image: "src", Add: "/lib/pkg", To: "/imp/c", After: "install"},
		checksum: "eb454ce007a8c5f91b4655d3b650dd77",
		id:       "03a4d405eb74de704fc9f89d52e8b427d3be6cf251c87f37d9898b24c32b649e",
		sourceID: "95df473215a604f2c86be7f5a1b11ad09583520f996f39486b8e3b0cad4933d6",
	},
	{
		imp:      config.FileImport{Image: "src", Add: "/data/link-to-dir", To: "/imp/d", After: "install"},
		checksum: "44f14259cf982b49c29430e98891df8e",
		id:       "1c469a1e0bcac40f19f62c6fde4d37bcaf05ba139d4ff32d5c67ffa220277843",
		sourceID: "da54167e6005ea21dbe696b0550688f929c36f04a2a2153ab63e28574b969602",
	},
	{
		imp:      config.FileImport{Image: "src", Add: "/data/file.txt", To: "/imp/e", After: "install"},
		checksum: "f4c0a9e7b11682eba41eeeaf9b5674e7",
		id:       "9b54809290f49aba74ab584460ead17c0b9fd586d1c44bddfebf7fb53c03d29e",
		sourceID: "988939e8caf66317414aa8956769c79f92c64d3c3d4a9acaca204aa33eff2791",
	},
	{
		imp:      config.FileImport{Image: "src", Add: "/data/onlyempty", To: "/imp/f", After: "install"},
		checksum: importsum.NothingChecksum, // werf warned: "This import config does nothing"
		id:       "ffc5b85250410e95e6e603f285a6eb627e0c26a9953310ab8c42adcdfcfd96a4",
		sourceID: "877bbaad53254ee42ba5bdba4be9ec358bb54329cfec9e9cc676b7520244cc80",
	},
	{
		imp:      config.FileImport{Image: "src", Add: "/data/opq", To: "/imp/g", Before: "setup"},
		checksum: "01854f06f848c01f6c941c5f646334e9",
		id:       "bbf1b880c0fa00367d5f8d21b7d907c71b33396a8a76520d9fdcfb989fc378d3",
		sourceID: "b0fff5304e9a0c1eea96abadec0d2e7a7173245428b53641e9dcdf60a5300bfe",
	},
}

func TestWerfValues(t *testing.T) {
	img := imageOf(t, werfBaseLayers...)
	for _, w := range werfImports {
		t.Run(w.imp.Add+" to "+w.imp.To, func(t *testing.T) {
			got, err := importsum.Checksum(context.Background(), img, importsum.SpecOf(w.imp))
			require.NoError(t, err)
			assert.Equal(t, w.checksum, got, "checksum")
			assert.Equal(t, w.id, importsum.ID(w.imp), "ID")
			assert.Equal(t, importsum.ChecksumLabelPrefix+w.id, importsum.ChecksumLabel(w.imp))
			assert.Equal(t, importsum.SourceStageIDLabelPrefix+w.id, importsum.SourceStageIDLabel(w.imp))
			assert.Equal(t, w.sourceID, importsum.SourceID(werfContentDigest, importsum.SpecOf(w.imp)), "SourceID")
		})
	}
}

// The same build with an import of a path src lacks failed: "error accessing
// …/merged/missing: lstat …: no such file or directory".
func TestWerfMissingAdd(t *testing.T) {
	_, err := importsum.Checksum(context.Background(), imageOf(t, werfBaseLayers...), importsum.Spec{Add: "/missing"})
	assert.ErrorIs(t, err, importsum.ErrAddNotFound)
}
