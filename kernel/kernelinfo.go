package kernel

import (
	"runtime"
	"strings"
)

type helpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

type languageInfo struct {
	Name              string `json:"name"`
	Version           string `json:"version"`
	Mimetype          string `json:"mimetype"`
	FileExtension     string `json:"file_extension"`
	PygmentsLexer     string `json:"pygments_lexer"`
	CodemirrorMode    string `json:"codemirror_mode"`
	NbconvertExporter string `json:"nbconvert_exporter"`
}

type kernelInfoReply struct {
	Status                string       `json:"status"`
	ProtocolVersion       string       `json:"protocol_version"`
	Implementation        string       `json:"implementation"`
	ImplementationVersion string       `json:"implementation_version"`
	LanguageInfo          languageInfo `json:"language_info"`
	Banner                string       `json:"banner"`
	HelpLinks             []helpLink   `json:"help_links"`
	Debugger              bool         `json:"debugger"`
}

func kernelInfoContent() kernelInfoReply {
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	return kernelInfoReply{
		Status:                "ok",
		ProtocolVersion:       ProtocolVersion,
		Implementation:        "dmirror",
		ImplementationVersion: Version,
		LanguageInfo: languageInfo{
			Name:              "go",
			Version:           goVersion,
			Mimetype:          "text/x-go",
			FileExtension:     ".go",
			PygmentsLexer:     "go",
			CodemirrorMode:    "go",
			NbconvertExporter: "script",
		},
		Banner: "dmirror " + Version + ": Go " + goVersion + " cells, with Parallel* calls on mirror processes",
		HelpLinks: []helpLink{
			{Text: "Go documentation", URL: "https://go.dev/doc/"},
			{Text: "Go standard library", URL: "https://pkg.go.dev/std"},
		},
	}
}

// kernelInfo is answered often and cheaply: front ends poll it until they
// see a reply and an iopub message.
func (k *kernel) kernelInfo(c *channel, req *Message) error {
	return k.reply(c, req, "kernel_info_reply", kernelInfoContent())
}
