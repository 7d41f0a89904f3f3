package kernel

// shutdown answers on the socket the request came on (control, or the
// deprecated shell), then makes Serve return. A restart is the front end's
// job: it starts a new process with the same connection file.
func (k *kernel) shutdown(c *channel, req *Message) error {
	var in struct {
		Restart bool `json:"restart"`
	}
	if err := decodeContent(req, &in); err != nil {
		k.log.Warn("shutdown_request content", "err", err)
	}
	k.interrupt()
	err := k.reply(c, req, "shutdown_reply", map[string]any{"status": "ok", "restart": in.Restart})
	k.requestStop()
	return err
}

// interruptRequest cancels the running cell (interrupt_mode "message").
func (k *kernel) interruptRequest(c *channel, req *Message) error {
	k.interrupt()
	return k.reply(c, req, "interrupt_reply", map[string]any{"status": "ok"})
}
