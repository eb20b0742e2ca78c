package pages

// stepKey colours a migration step's state.
func stepKey(status string) string {
	switch status {
	case "applied":
		return "ok"
	case "pending":
		return "running"
	}
	return "error"
}
