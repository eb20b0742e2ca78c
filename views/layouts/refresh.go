package layouts

import "strconv"

func refreshContent(seconds int) string { return strconv.Itoa(seconds) }
