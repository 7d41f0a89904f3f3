package kernelspec

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
)

// The logo: on a rounded Go-blue square, a white dot and its fainter
// reflection on either side of a mirror line. One description, drawn as
// SVG and rasterized to the PNG sizes, so the three files agree.

type rgba struct{ r, g, b, a float64 }

var (
	goBlue = rgba{0x00, 0xAD, 0xD8, 1}
	white  = rgba{0xFF, 0xFF, 0xFF, 1}
)

// shape is one layer in unit coordinates (0..1, y down).
type shape struct {
	kind       string  // "rect" or "circle"
	x, y, w, h float64 // rect
	rx         float64 // rect corner radius
	cx, cy, r  float64 // circle
	fill       rgba
	opacity    float64
}

var logo = []shape{
	{kind: "rect", x: 0, y: 0, w: 1, h: 1, rx: 0.22, fill: goBlue, opacity: 1},
	{kind: "rect", x: 0.482, y: 0.14, w: 0.036, h: 0.72, rx: 0.018, fill: white, opacity: 0.9},
	{kind: "circle", cx: 0.28, cy: 0.5, r: 0.15, fill: white, opacity: 1},
	{kind: "circle", cx: 0.72, cy: 0.5, r: 0.15, fill: white, opacity: 0.45},
}

func (s shape) contains(x, y float64) bool {
	if s.kind == "circle" {
		return math.Hypot(x-s.cx, y-s.cy) <= s.r
	}
	if x < s.x || x > s.x+s.w || y < s.y || y > s.y+s.h {
		return false
	}
	// Outside the rounded corners: farther than rx from the nearest
	// inner corner centre.
	ix := math.Max(s.x+s.rx, math.Min(x, s.x+s.w-s.rx))
	iy := math.Max(s.y+s.rx, math.Min(y, s.y+s.h-s.rx))
	return math.Hypot(x-ix, y-iy) <= s.rx
}

func logoSVG() string {
	const size = 64.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%[1]g" height="%[1]g" viewBox="0 0 %[1]g %[1]g">`+"\n", size)
	b.WriteString("  <title>Go (dmirror)</title>\n")
	for _, s := range logo {
		fill := fmt.Sprintf("#%02X%02X%02X", int(s.fill.r), int(s.fill.g), int(s.fill.b))
		if s.kind == "circle" {
			fmt.Fprintf(&b, `  <circle cx="%g" cy="%g" r="%g" fill="%s" fill-opacity="%g"/>`+"\n",
				s.cx*size, s.cy*size, s.r*size, fill, s.opacity)
			continue
		}
		fmt.Fprintf(&b, `  <rect x="%g" y="%g" width="%g" height="%g" rx="%g" fill="%s" fill-opacity="%g"/>`+"\n",
			s.x*size, s.y*size, s.w*size, s.h*size, s.rx*size, fill, s.opacity)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// logoPNG rasterizes the logo at size×size pixels, antialiased by
// averaging 4×4 samples per pixel.
func logoPNG(size int) ([]byte, error) {
	const sub = 4
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := range size {
		for px := range size {
			var acc rgba // premultiplied
			for sy := range sub {
				for sx := range sub {
					x := (float64(px) + (float64(sx)+0.5)/sub) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/sub) / float64(size)
					c := sample(x, y)
					acc = rgba{acc.r + c.r, acc.g + c.g, acc.b + c.b, acc.a + c.a}
				}
			}
			img.SetNRGBA(px, py, unpremultiply(acc, sub*sub))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sample composites the layers over transparency at (x, y), premultiplied.
func sample(x, y float64) rgba {
	var c rgba
	for _, s := range logo {
		if !s.contains(x, y) {
			continue
		}
		a := s.fill.a * s.opacity
		c = rgba{s.fill.r*a + c.r*(1-a), s.fill.g*a + c.g*(1-a), s.fill.b*a + c.b*(1-a), a + c.a*(1-a)}
	}
	return c
}

func unpremultiply(acc rgba, n float64) color.NRGBA {
	if acc.a == 0 {
		return color.NRGBA{}
	}
	return color.NRGBA{
		R: uint8(math.Round(acc.r / acc.a)),
		G: uint8(math.Round(acc.g / acc.a)),
		B: uint8(math.Round(acc.b / acc.a)),
		A: uint8(math.Round(acc.a / n * 255)),
	}
}
