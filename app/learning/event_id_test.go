package learning_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store/storetest"
)

// sentBatch decodes a sync body as the API does and returns its events' ids.
func sentBatchIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var req struct {
		GenStyleID *string              `json:"gen_style_id"`
		Policy     *string              `json:"policy"`
		Events     []learning.SentEvent `json:"events"`
	}
	require.NoError(t, json.Unmarshal(body, &req))
	var batch learning.BatchDefaults
	if req.GenStyleID != nil {
		batch.GenStyleID = strings.TrimSpace(*req.GenStyleID)
	}
	if req.Policy != nil {
		batch.Policy = *req.Policy
	}
	ids := make([]string, len(req.Events))
	for i := range req.Events {
		ids[i] = learning.EventID(&req.Events[i], batch)
	}
	return ids
}

// realClientSync returns the body of request i of the real clients' captured requests.
func realClientSync(t *testing.T, i int) []byte {
	t.Helper()
	var reqs []struct {
		Path        string          `json:"path"`
		RequestBody json.RawMessage `json:"request_body"`
	}
	require.NoError(t, json.Unmarshal(storetest.Testdata(t, "realclient_requests.json"), &reqs))
	require.Equal(t, "/api/extension/learning/sync", reqs[i].Path)
	return reqs[i].RequestBody
}

// everyField is a batch with every field of an event set, some oddly (case, spaces, a port,
// HTML characters, big and fractional numbers), and one with nearly none.
const everyField = `{"host":"Boards.Greenhouse.io","schema_hash":" gh-1 ","gen_style_id":" concise_bullets_v1 ","policy":"explore","events":[` +
	`{"host":"WWW.Jobs.Lever.co:443","schema_hash":"lv <&> é","suggested_map":{"b":"2","a":"1"},"final_map":{"z":"<x>","a":"&"},` +
	`"gen_style_id":"narrative_para_v1","edit_stats":{"total_chars_added":5,"total_chars_deleted":0,"per_field":{"f":{"added":1.5,"n":[1,2,1e3]}}},` +
	`"duration_ms":12,"validation_errors":{"email":"bad","n":12345678901234567890,"f":0.1},"status":"partial","application_id":7,` +
	`"job":{"title":"Senior Engineer","normalized_title":"senior engineer"},"policy":"fallback","occurred_at":"2026-11-29T06:41:00.123+01:00",` +
	`"feedback_status":"helpful","edit_chars":3,"propensity":0.25},` +
	`{"host":"x.myworkdayjobs.com","schema_hash":"w","status":null,"job":{},"edit_stats":{}}]}`

// TestEventIDGolden pins the ids derived for events sent without one: these are the ids the
// first server derived for these payloads (computed with it before the identity was frozen),
// so a batch retried across an upgrade is stored once. If this fails, the derived id changed:
// every client retrying across the deploy would store its batch twice.
func TestEventIDGolden(t *testing.T) {
	cases := []struct {
		name string
		body []byte
		want []string
	}{
		{"per-event client (ids sent)", storetest.Testdata(t, "sync_per_event.json"),
			[]string{"0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d", "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4e"}},
		{"shipped client", storetest.Testdata(t, "sync_shipped_client.json"), []string{"e6843792-893f-5528-bc65-3ee58036b8c8"}},
		{"real client 3", realClientSync(t, 3), []string{"6c27dc6e-deb3-5df0-94b1-58046e5216f1"}},
		{"real client 5", realClientSync(t, 5), []string{"c67bdc3c-7bf5-5857-87ab-a3252df50b7b"}},
		{"real client 7", realClientSync(t, 7), []string{"b607f64c-6383-5a4c-b235-b33a98a020e4"}},
		{"real client 8", realClientSync(t, 8), []string{"1cf806c1-01a7-5ce4-8de7-0e4d48ae97e2"}},
		{"real client 9", realClientSync(t, 9), []string{"2b2bc886-ab23-55e6-a2cb-a5cde9111aa9"}},
		{"real client 10", realClientSync(t, 10), []string{"0644a447-df8f-5963-b6e0-c56b78d4743a"}},
		{"real client 11", realClientSync(t, 11), []string{"f5f17406-d8d1-5c12-889c-1b3afaba9a68"}},
		{"real client 12", realClientSync(t, 12), []string{"cddde477-9326-5657-80d2-62cd6d232eca"}},
		{"every field", []byte(everyField), []string{"35d8e5ef-84ac-52b6-aef4-a6cb8961671b", "8c6c2735-b9c3-5117-af0c-2382f784d54a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, sentBatchIDs(t, c.body))
		})
	}
}

// TestEventIDIgnoresUnknownFields: a field the identity does not know (sent by a newer client,
// or added to SentEvent later) leaves the derived id as it was.
func TestEventIDIgnoresUnknownFields(t *testing.T) {
	base := sentBatchIDs(t, storetest.Testdata(t, "sync_shipped_client.json"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(storetest.Testdata(t, "sync_shipped_client.json"), &m))
	m["client_version"] = "6.1.0"
	ev := m["events"].([]any)[0].(map[string]any)
	ev["session_id"] = "abc"
	ev["edit_stats"].(map[string]any)["keystrokes"] = 12
	body, err := json.Marshal(m)
	require.NoError(t, err)
	require.Equal(t, base, sentBatchIDs(t, body))

	// What the identity does know changes it.
	ev["duration_ms"] = 2351
	body, err = json.Marshal(m)
	require.NoError(t, err)
	require.NotEqual(t, base, sentBatchIDs(t, body))
}
