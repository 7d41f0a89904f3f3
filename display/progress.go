package display

import (
	"fmt"
	"html"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Publisher shows bundles in the running cell's output. The image process
// implements it over its engine.Sink; a Publisher is safe for concurrent
// use.
type Publisher interface {
	// Display shows data, or with update replaces every earlier output
	// shown with the same non-empty displayID (update_display_data).
	Display(data, metadata map[string]any, displayID string, update bool)
	// Clear clears the cell's output, at once or, with wait, when the next
	// output arrives (clear_output).
	Clear(wait bool)
}

// barWidth is the number of characters of the text/plain bar.
const barWidth = 20

// ProgressBundle renders a progress bar: text/html that needs no
// JavaScript (nested divs, so it shows in Notebook, Lab and VS Code), and a
// text/plain "[#####...............] 12/40" for consoles and headless runs.
func ProgressBundle(label string, done, total int) Bundle {
	pct := percent(done, total)
	fill := pct * barWidth / 100
	plain := fmt.Sprintf("[%s%s] %d/%d", strings.Repeat("#", fill), strings.Repeat(".", barWidth-fill), done, total)
	if label != "" {
		plain = label + " " + plain
	}
	var h strings.Builder
	h.WriteString(`<div class="dmirror-progress" style="display:flex;align-items:center;gap:0.5em;font-family:monospace">`)
	if label != "" {
		fmt.Fprintf(&h, "<span>%s</span>", html.EscapeString(label))
	}
	fmt.Fprintf(&h, `<div style="width:20em;height:1em;border:1px solid #999;border-radius:3px;background:#eee">`+
		`<div style="width:%d%%;height:100%%;background:#4caf50"></div></div>`, pct)
	fmt.Fprintf(&h, "<span>%d/%d (%d%%)</span></div>", done, total, pct)
	return Bundle{MIMEHTML: h.String(), MIMEPlain: plain}
}

// percent is done/total in whole percent, clamped to 0..100; an empty
// total counts as complete.
func percent(done, total int) int {
	if total <= 0 {
		return 100
	}
	p := done * 100 / total
	return max(0, min(100, p))
}

// Progress is a progress bar shown in the cell's output and updated in
// place. It publishes only when the bar visibly changes (the whole percent
// moves, or the count reaches the total), so a loop of a million Add(1)
// sends about a hundred updates. Safe for concurrent use.
type Progress struct {
	mu       sync.Mutex
	pub      Publisher
	id       string
	label    string
	total    int
	done     int
	lastPct  int
	lastDone int
	shown    bool
}

// NewProgress shows an empty bar for total steps under displayID, which
// must be unique in the session (see NewID).
func NewProgress(pub Publisher, displayID, label string, total int) *Progress {
	p := &Progress{pub: pub, id: displayID, label: label, total: total, lastPct: -1}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publishLocked(true)
	return p
}

// ID returns the bar's display id.
func (p *Progress) ID() string { return p.id }

// Add moves the bar n steps forward.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.publishLocked(false)
}

// Set moves the bar to done steps.
func (p *Progress) Set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	p.publishLocked(false)
}

// Done shows the bar's final state, whatever the last update was.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publishLocked(true)
}

// Replace puts data in the bar's place, for example the outcome of the work
// the bar measured.
func (p *Progress) Replace(data Bundle) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pub.Display(data, map[string]any{}, p.id, p.shown)
	p.shown = true
}

func (p *Progress) publishLocked(force bool) {
	pct := percent(p.done, p.total)
	reachedTotal := p.done == p.total && p.lastDone != p.total
	if !force && pct == p.lastPct && !reachedTotal {
		return
	}
	p.lastPct, p.lastDone = pct, p.done
	p.pub.Display(ProgressBundle(p.label, p.done, p.total), map[string]any{}, p.id, p.shown)
	p.shown = true
}

// SinkPublisher adapts s, anything with an engine.Sink's Display and
// ClearOutput methods, to a Publisher: kernel-side code (the mirror pool)
// shows progress straight into a cell's sink.
func SinkPublisher(s interface {
	Display(data, metadata map[string]any, displayID string, update bool)
	ClearOutput(wait bool)
}) Publisher {
	return sinkPublisher{s}
}

type sinkPublisher struct {
	s interface {
		Display(data, metadata map[string]any, displayID string, update bool)
		ClearOutput(wait bool)
	}
}

func (p sinkPublisher) Display(data, metadata map[string]any, id string, update bool) {
	p.s.Display(data, metadata, id, update)
}

func (p sinkPublisher) Clear(wait bool) { p.s.ClearOutput(wait) }

// NewID returns a display id unique across processes and sessions, for
// bars and outputs made outside the cell API.
func NewID() string { return "dm-" + uuid.NewString() }
