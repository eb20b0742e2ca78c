package report

import (
	"slices"

	"github.com/applylens/learning/app/learning"
)

// storedFamily is the form_profiles.host_family value of a family filter: the family itself,
// or "" for learning.FamilyOther. ok is false for a family that does not exist.
func storedFamily(label string) (family string, ok bool) {
	if label == learning.FamilyOther {
		return "", true
	}
	return label, slices.Contains(learning.Families(), label)
}
