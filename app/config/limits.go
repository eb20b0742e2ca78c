package config

import "time"

// The extension API's limits. The configurable ones are Config fields read in Load, each with
// its variable: MaxBodyBytes (API_MAX_BODY_BYTES), MaxEventsPerBatch (API_MAX_EVENTS_PER_BATCH),
// MaxMapKeys (API_MAX_MAP_KEYS: keys of a map, keys and items of a free-form object),
// MaxStringLen (API_MAX_STRING_LEN: any other string), RateLimitPerMin and RateLimitBurst
// (API_RATE_LIMIT_*). These are fixed: they follow the columns and the rules, not the load.
const (
	MaxHostLen       = 260              // a host as sent (a URL's scheme and port included); 253 once parsed
	MaxSchemaHashLen = 256              // schema_hash
	MaxIdentLen      = 64               // a style id, an event id as sent
	MaxStatusLen     = 32               // an event's status
	MaxJobTitleLen   = 512              // job.title, job.normalized_title, ?job_title=
	MaxObjectDepth   = 4                // nesting of validation_errors and edit_stats.per_field
	MaxEditChars     = 10_000_000       // edit_chars and the edit_stats counters
	MaxDurationMS    = 24 * 3600 * 1000 // duration_ms: a day
	MaxApplicationID = 1<<31 - 1        // application_id (an integer column)
	MaxClockAhead    = 24 * time.Hour   // how far occurred_at may be ahead of the server's clock
)

// MaxChunkForms is the most forms AGGREGATOR_CHUNK_FORMS lets a run plan at once: a chunk
// holds its forms' stored and planned hints, tens of kilobytes each, so 10,000 forms already
// hold several hundred megabytes.
const MaxChunkForms = 10_000
