package kernel

// The kernel has no comm targets yet: comm_info lists none, and a comm_open
// for any target is closed at once, as the protocol asks.

func (k *kernel) commInfo(c *channel, req *Message) error {
	return k.reply(c, req, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
}

func (k *kernel) commOpen(c *channel, req *Message) error {
	var in struct {
		CommID     string `json:"comm_id"`
		TargetName string `json:"target_name"`
	}
	if err := decodeContent(req, &in); err != nil {
		return err
	}
	k.log.Info("closing comm with unknown target", "target_name", in.TargetName, "comm_id", in.CommID)
	k.publish(req, "comm_close", map[string]any{"comm_id": in.CommID, "data": map[string]any{}})
	return nil
}

func (k *kernel) commIgnore(c *channel, req *Message) error {
	k.log.Debug("ignored comm message", "msg_type", req.Header.MsgType)
	return nil
}
