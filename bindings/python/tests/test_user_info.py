"""reqUserInfo / userInfo from Python with no hand-written Python for them:
the request goes out through Client.send, the reply comes back as the class
generated from the catalogue."""

import tws


def test_user_info_is_sent_and_received_without_hand_written_code(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, client_id=73, timeout=10)
        client.send("ReqUserInfo", req_id=5)
        reply = None
        for event in client.events(timeout=10):
            if isinstance(event, tws.UserInfo):
                reply = event
                break
        assert reply is not None
        assert reply.req_id == 5
        assert reply.white_branding_id == ""
