package stapel

// StageName is a Stapel stage's name, as werf logs and reports it.
type StageName string

// The Stapel stages, in the order werf walks them (pkg/build/stage/base.go).
const (
	From                      StageName = "from"
	BeforeInstall             StageName = "beforeInstall"
	DependenciesBeforeInstall StageName = "dependenciesBeforeInstall"
	GitArchive                StageName = "gitArchive"
	Install                   StageName = "install"
	DependenciesAfterInstall  StageName = "dependenciesAfterInstall"
	BeforeSetup               StageName = "beforeSetup"
	DependenciesBeforeSetup   StageName = "dependenciesBeforeSetup"
	Setup                     StageName = "setup"
	DependenciesAfterSetup    StageName = "dependenciesAfterSetup"
	GitCache                  StageName = "gitCache"
	GitLatestPatch            StageName = "gitLatestPatch"
	DockerInstructions        StageName = "dockerInstructions"
	ImageSpec                 StageName = "imageSpec"
)

// DigestName is the name werf hashes into the stage's digest. The dependencies
// stages keep their werf v1.2 names there ("importsBeforeInstall"…) so that
// digests made before the rename still match (GetLegacyCompatibleStageName).
// The content digest uses the new name.
func (n StageName) DigestName() string {
	switch n {
	case DependenciesBeforeInstall:
		return "importsBeforeInstall"
	case DependenciesAfterInstall:
		return "importsAfterInstall"
	case DependenciesBeforeSetup:
		return "importsBeforeSetup"
	case DependenciesAfterSetup:
		return "importsAfterSetup"
	}
	return string(n)
}
