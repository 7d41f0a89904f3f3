package display

import (
	"fmt"
	"image"
	"reflect"
	"sync"

	"github.com/google/uuid"
	yaegi "github.com/traefik/yaegi/interp"
)

// ExportsKey is the key of the binary package "dmirror/display" in the
// interpreter's exports: import path, a slash, package name.
const ExportsKey = "dmirror/display/display"

// Exports returns the binary package "dmirror/display" that the prelude's
// display API calls, publishing to pub. A nil pub drops every display (for
// interpreters with no cell output). Each call returns a package with its
// own live progress bars; display ids are never reused, as they start with
// a random prefix.
func Exports(pub Publisher) yaegi.Exports {
	if pub == nil {
		pub = discard{}
	}
	a := &api{pub: pub, prefix: uuid.NewString()[:8], bars: map[string]*Progress{}}
	return yaegi.Exports{ExportsKey: {
		"Emit":          reflect.ValueOf(a.Emit),
		"EmitImage":     reflect.ValueOf(a.EmitImage),
		"Update":        reflect.ValueOf(a.Update),
		"Clear":         reflect.ValueOf(a.Clear),
		"NewOutput":     reflect.ValueOf(a.NewOutput),
		"StartProgress": reflect.ValueOf(a.StartProgress),
		"ProgressAdd":   reflect.ValueOf(a.ProgressAdd),
		"ProgressSet":   reflect.ValueOf(a.ProgressSet),
		"ProgressDone":  reflect.ValueOf(a.ProgressDone),
		"Rich":          reflect.ValueOf(RichResult),
	}}
}

// RichResult is FromMethods for interpreted code: a failure shows as text
// instead of a result bundle.
func RichResult(v any, methods map[string]any) any {
	r, err := FromMethods(v, methods)
	if err != nil {
		return Rich{MIMEPlain: fmt.Sprintf("%v\n(display methods failed: %v)", v, err)}
	}
	return r
}

type discard struct{}

func (discard) Display(map[string]any, map[string]any, string, bool) {}
func (discard) Clear(bool)                                           {}

// api is the state behind one Exports: the live progress bars.
//
// An output with a display id is shown (display_data) when it is made, by
// NewOutput or StartProgress, and only updated afterwards: what a value
// like DisplayOutput does then does not depend on state kept here, which an
// image rebuild loses.
type api struct {
	pub    Publisher
	prefix string

	mu   sync.Mutex
	next int
	bars map[string]*Progress
}

// NewID returns a display id unique in the session.
func (a *api) NewID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next++
	return fmt.Sprintf("dm-%s-%d", a.prefix, a.next)
}

// Emit shows v as kind (HTML, Markdown, Latex, SVG, Text, PNG, JPEG, JSON,
// MIME or Show): a new output when id is "", else it replaces the output
// shown under id. A value of the wrong kind makes the cell fail with a
// panic that says why.
func (a *api) Emit(id, kind string, v any) {
	b, err := bundleOf(kind, v)
	if err != nil {
		panic(err)
	}
	a.publish(id, b)
}

// EmitImage shows img as a PNG under id.
func (a *api) EmitImage(id string, img image.Image) {
	b, err := Image(img)
	if err != nil {
		panic(err)
	}
	a.publish(id, b)
}

// Update replaces the outputs shown under id with bundle.
func (a *api) Update(id string, bundle map[string]any) {
	if id == "" {
		panic(fmt.Errorf("display: Update needs a display id"))
	}
	b, err := Normalize(bundle)
	if err != nil {
		panic(err)
	}
	a.pub.Display(b, map[string]any{}, id, true)
}

// NewOutput shows an empty output under a new display id and returns the
// id, for later updates.
func (a *api) NewOutput() string {
	id := a.NewID()
	a.pub.Display(Bundle{MIMEPlain: ""}, map[string]any{}, id, false)
	return id
}

// Clear clears the cell's output (clear_output).
func (a *api) Clear(wait bool) { a.pub.Clear(wait) }

func (a *api) publish(id string, b Bundle) {
	a.pub.Display(b, map[string]any{}, id, id != "")
}

func bundleOf(kind string, v any) (Bundle, error) {
	if text, ok := textKinds[kind]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("display.%s: want a string, got %T", kind, v)
		}
		return text(s), nil
	}
	switch kind {
	case "PNG", "JPEG":
		b, ok := v.([]byte)
		if !ok {
			return nil, fmt.Errorf("display.%s: want []byte, got %T", kind, v)
		}
		if kind == "PNG" {
			return PNG(b), nil
		}
		return JPEG(b), nil
	case "JSON":
		return JSON(v)
	case "MIME":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("display.MIME: want map[string]any, got %T", v)
		}
		return Normalize(m)
	case "Show":
		b, _ := Render(reflect.ValueOf(v))
		return b, nil
	}
	return nil, fmt.Errorf("display: unknown kind %q", kind)
}

// textKinds are the kinds Emit shows from a string.
var textKinds = map[string]func(string) Bundle{
	"HTML": HTML, "Markdown": Markdown, "Latex": Latex, "SVG": SVG, "Text": Text,
}

// StartProgress shows an empty progress bar for total steps and returns its
// display id.
func (a *api) StartProgress(total int) string {
	id := a.NewID()
	p := NewProgress(a.pub, id, "", total)
	a.mu.Lock()
	a.bars[id] = p
	a.mu.Unlock()
	return id
}

// bar returns the live bar id; a bar created by an earlier image process
// (restored from a snapshot) is re-created, updating the same output.
func (a *api) bar(id string, total int) *Progress {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.bars[id]; ok {
		return p
	}
	p := &Progress{pub: a.pub, id: id, total: total, lastPct: -1, shown: true}
	a.bars[id] = p
	return p
}

// ProgressAdd moves bar id n steps forward.
func (a *api) ProgressAdd(id string, total, n int) { a.bar(id, total).Add(n) }

// ProgressSet moves bar id to done steps.
func (a *api) ProgressSet(id string, total, done int) { a.bar(id, total).Set(done) }

// ProgressDone shows bar id's final state and forgets it.
func (a *api) ProgressDone(id string, total int) {
	a.bar(id, total).Done()
	a.mu.Lock()
	delete(a.bars, id)
	a.mu.Unlock()
}
