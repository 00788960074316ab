package ops

import (
	"slices"

	"github.com/kumo-iac/kumo/constructs"
)

// Args configure the pattern. Zero values mean the documented defaults;
// the Disable fields are the triggers' kill switches.
type Args struct {
	// Root is the project root (holding go.mod); the pattern's handlers are
	// built from its module. Default: ".".
	Root string
	// Releases rolls every new version of the functions out through
	// CodeDeploy with alarms and rollback. Default: nil, aliases move at once.
	Releases *constructs.Releases

	// MemoryMB of every function. Default: 256.
	MemoryMB int
	// LogRetentionDays of every log. Default: 30.
	LogRetentionDays int
	// DeletionProtection protects the tables and keeps non-empty buckets.
	// Default: false.
	DeletionProtection bool

	// DispatchSchedule is how often the dispatcher runs due tasks.
	// Default: rate(15 minutes).
	DispatchSchedule string
	// DisableSchedule is the dispatcher schedule's kill switch. Default: false.
	DisableSchedule bool
	// RunRetentionDays is how long run records live. Default: 30.
	RunRetentionDays int
	// CrossAccountRoleArns are the roles tasks may assume. Default: none.
	CrossAccountRoleArns []string

	// DisableImageEvents is the image notification's kill switch.
	// Default: false.
	DisableImageEvents bool
	// ImagePrefix is where uploads start the workflow. Default: images/.
	ImagePrefix string

	// DisableSecurityRule is the security group rule's kill switch.
	// Default: false.
	DisableSecurityRule bool
	// ReportOnly reports forbidden rules without revoking them.
	// Default: false.
	ReportOnly bool
	// ForbiddenPorts may not be open to the internet. Default:
	// DefaultForbiddenPorts.
	ForbiddenPorts []int

	// AlarmEmails subscribe to the alarms; NotificationEmails to task
	// failures and remediations. Default: none.
	AlarmEmails        []string
	NotificationEmails []string
}

// withDefaults fills zero fields with the documented defaults.
func (a Args) withDefaults() Args {
	if a.Root == "" {
		a.Root = "."
	}
	if a.MemoryMB == 0 {
		a.MemoryMB = constructs.DefaultMemoryMB
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = constructs.DefaultLogRetentionDays
	}
	if a.DispatchSchedule == "" {
		a.DispatchSchedule = DefaultDispatchSchedule
	}
	if a.RunRetentionDays == 0 {
		a.RunRetentionDays = DefaultRunRetentionDays
	}
	if a.ImagePrefix == "" {
		a.ImagePrefix = DefaultImagePrefix
	}
	if a.ForbiddenPorts == nil {
		a.ForbiddenPorts = DefaultForbiddenPorts
	}
	a.ForbiddenPorts = slices.Clone(a.ForbiddenPorts)
	return a
}
