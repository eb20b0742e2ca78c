package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// chromiumPath finds the browser: $CHROMIUM, else chromium on the PATH. With BROWSER_TESTS=1
// (CI) a missing browser fails the test; without it the test skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	required := os.Getenv("BROWSER_TESTS") == "1"
	if !required {
		t.Skip("set BROWSER_TESTS=1 to drive the dashboard in headless Chromium")
	}
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("BROWSER_TESTS=1 but no chromium is installed: apt-get install -y chromium, or set CHROMIUM")
	return ""
}

// TestBrowserDashboard signs in, sees both charts, runs the aggregator and watches it finish,
// then opens a profile, in a real headless Chromium. It saves artifacts/overview.png.
func TestBrowserDashboard(t *testing.T) {
	exe := chromiumPath(t)
	ctx := context.Background()

	db := storetest.Backends()[0].New(t) // the embedded SQLite: what a new user runs
	cfg := testConfig(t, nil)
	_, err := seeds.Seed(ctx, db, seeds.Options{Events: 6000, Days: 30, Users: 12, Seed: 7})
	require.NoError(t, err)
	engine, runner := newEngine(t, db, cfg)
	_, err = runner.Run(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerCLI})
	require.NoError(t, err)
	_, err = report.Refresh(ctx, db)
	require.NoError(t, err)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first action starts the browser: no timeout on it (that would stop the browser).
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	tctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelT)
	css := func(testID string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + testID + `"]`) }

	// Sign in: /admin sends us to the form.
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Navigate(srv.URL+"/admin"),
		chromedp.WaitVisible(css("login-email")),
		chromedp.SendKeys(css("login-email"), adminEmail),
		chromedp.SendKeys(css("login-password"), adminPassword),
		chromedp.Click(css("login-submit")),
		chromedp.WaitVisible(css("source-mix-svg")),
		chromedp.WaitVisible(css("segment-mix")),
	))
	loc, err := chromedp.Run(tctx, chromedp.Location())
	require.NoError(t, err)
	require.Equal(t, srv.URL+"/admin", loc)

	// Both charts draw what the database holds.
	slices, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSSAll(`[data-testid^="source-mix-slice-"]`)))
	require.NoError(t, err)
	require.NotEmpty(t, slices, "the donut has slices")
	bars, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSSAll(`[data-testid^="segment-mix-bar-"]`)))
	require.NoError(t, err)
	require.Len(t, bars, 5, "intern, junior, senior, default, none")

	shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dir := filepath.Join(storetest.RepoRoot(t), "artifacts")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "overview.png"), shot, 0o644))

	// Run the aggregator: htmx swaps in the progress panel, which polls until the run ends. The
	// finished panel is read in one script, so a late swap cannot pull a node from under a query.
	require.NoError(t, chromedp.Do(tctx, chromedp.Click(css("run-aggregator"))))
	type runResult struct {
		Updated string `json:"updated"`
		Bars    int    `json:"bars"`
		Search  string `json:"search"`
		Path    string `json:"path"`
	}
	done, err := chromedp.Run(tctx, chromedp.Poll[runResult](`(() => {
		const result = document.querySelector('[data-testid="run-status"][data-status="ok"] [data-testid="run-result"]');
		if (!result) return null;
		return {
			updated: result.querySelector('[data-testid="run-profiles-updated"]').textContent,
			bars: document.querySelectorAll('[data-testid^="run-source-mix-bar-"]').length,
			search: location.search,
			path: location.pathname,
		};
	})()`))
	require.NoError(t, err)
	require.NotEmpty(t, strings.TrimSpace(done.Updated))
	require.Equal(t, "/admin", done.Path, "htmx updated the panel in place")
	require.Empty(t, done.Search)
	require.Equal(t, len(learning.Sources()), done.Bars, "the new source mix: a bar per source")

	// Filter the profiles: htmx swaps the results in place and puts the filter in the URL.
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Click(css("nav-profiles")),
		chromedp.WaitVisible(css("profiles-table")),
	))
	_, err = chromedp.Run(tctx, chromedp.Evaluate[bool](`(() => {
		const s = document.querySelector('[data-testid="filter-source"]');
		s.value = 'form';
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`))
	require.NoError(t, err)
	_, err = chromedp.Run(tctx, chromedp.Poll[bool](`location.search.includes('source=form') &&
		[...document.querySelectorAll('[data-testid="profile-row"]')].every(r => r.querySelector('[data-testid="badge"]').textContent.trim() === 'form')`))
	require.NoError(t, err)

	// Open a profile from the list and see its hint with the winner marked.
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Click(css("profile-link")),
		chromedp.WaitVisible(css("choice-overall")),
		chromedp.WaitVisible(`[data-testid="choice-overall"] tr[data-winner="true"] [data-testid="winner"]`),
		chromedp.WaitVisible(css("canonical-map")),
	))
	explanation, err := chromedp.Run(tctx, chromedp.Text(`[data-testid="choice-overall"] [data-testid="explanation"]`))
	require.NoError(t, err)
	require.NotEmpty(t, explanation)
	shot, err = chromedp.Run(tctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "profile.png"), shot, 0o644))

	// A plain user: signs in on the same page, lands on My extension, sees their runs, issues a
	// token (shown once) and, once a client syncs with it, sees the new run.
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: userEmail, Password: userPassword})
	require.NoError(t, err)
	for _, hash := range []string{"b-1", "b-2"} {
		_, err = learning.SaveEvents(ctx, db, u.ID, []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: hash, Status: "ok", Policy: ptr("exploit")}}, nil)
		require.NoError(t, err)
	}
	// The sign-in page is filled and sent by one script once it has loaded: a node that chromedp
	// finds by id while the page is still settling can be replaced before its next action on it
	// ("Could not find node with given id"). The waits are chromedp's queries, which outlast a
	// navigation; the script clicks after it has returned, so no navigation cuts it off.
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Click(css("logout")),
		chromedp.WaitVisible(css("login-email")),
	))
	_, err = chromedp.Run(tctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		document.querySelector('[data-testid="login-email"]').value = %q;
		document.querySelector('[data-testid="login-password"]').value = %q;
		setTimeout(() => document.querySelector('[data-testid="login-submit"]').click());
		return true;
	})()`, userEmail, userPassword)))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tctx, chromedp.WaitVisible(css("my-runs-table"))))
	loc, err = chromedp.Run(tctx, chromedp.Location())
	require.NoError(t, err)
	require.Equal(t, srv.URL+admin.PathMe, loc)
	runs, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSSAll(`[data-testid="my-run"]`)))
	require.NoError(t, err)
	require.Len(t, runs, 2, "their own runs only")
	navs, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="nav-overview"]').length`))
	require.NoError(t, err)
	require.Zero(t, navs, "no dashboard for them")
	require.NoError(t, chromedp.Do(tctx,
		chromedp.SendKeys(`input[name="name"]`, "browser test"),
		chromedp.Click(css("issue-token-submit")),
		chromedp.WaitVisible(css("token-plain")),
	))
	plain, err := chromedp.Run(tctx, chromedp.Text(css("token-plain")))
	require.NoError(t, err)
	plain = strings.TrimSpace(plain)
	require.True(t, strings.HasPrefix(plain, account.TokenPrefix), plain)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/extension/learning/sync", strings.NewReader(
		`{"host":"jobs.lever.co","schema_hash":"b-3","events":[{"host":"jobs.lever.co","schema_hash":"b-3","status":"ok"}]}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+plain)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	require.NoError(t, res.Body.Close())
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Navigate(srv.URL+admin.PathMe),
		chromedp.WaitVisible(css("my-runs-table")),
	))
	runs, err = chromedp.Run(tctx, chromedp.Nodes(chromedp.CSSAll(`[data-testid="my-run"]`)))
	require.NoError(t, err)
	require.Len(t, runs, 3, "the run the token synced")
	shot, err = chromedp.Run(tctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "my-extension.png"), shot, 0o644))
}
