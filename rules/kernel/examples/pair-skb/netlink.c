/* pair-skb: a netlink reply is the function's until it is sent. */
static int demo_fill_peer(struct sk_buff *msg, const struct demo_peer *peer, u32 portid,
			  u32 seq)
{
	void *hdr = genlmsg_put(msg, portid, seq, &demo_family, 0, DEMO_CMD_GET_PEER);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, DEMO_ATTR_PEER_ID, peer->id)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int good_get_peer(struct demo *d, struct genl_info *info, u32 id)
{
	struct demo_peer *peer = demo_peer_lookup(d, id);
	struct sk_buff *msg;
	int ret;

	if (!peer)
		/* ok: pair-skb */
		return -ENOENT;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		/* ok: pair-skb */
		return -ENOMEM;
	ret = demo_fill_peer(msg, peer, info->snd_portid, info->snd_seq);
	if (ret < 0) {
		nlmsg_free(msg);
		/* ok: pair-skb */
		return ret;
	}
	/* ok: pair-skb */
	return genlmsg_reply(msg, info);
}

static int bad_get_peer(struct demo *d, struct genl_info *info, u32 id)
{
	struct demo_peer *peer;
	struct sk_buff *msg;
	int ret;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		/* ok: pair-skb */
		return -ENOMEM;
	peer = demo_peer_lookup(d, id);
	if (!peer)
		/* ruleid: pair-skb */
		return -ENOENT;
	ret = demo_fill_peer(msg, peer, info->snd_portid, info->snd_seq);
	if (ret < 0) {
		nlmsg_free(msg);
		/* ok: pair-skb */
		return ret;
	}
	/* ok: pair-skb */
	return genlmsg_reply(msg, info);
}
