//! SendMail, SmartReply, SmartForward, MeetingResponse, ResolveRecipients, Search and Find:
//! against the SOGo conversation where it has them, and the 16.x fixtures written from the
//! spec's examples (fixtures/wbxml/synth-16.*).

mod common;

use common::{fixture, leaves};

use easync::proto::classes::{ApplicationData, ItemClass};
use easync::proto::compose::{Forwardee, Message, SendMail, SmartForward, SmartReply, Source};
use easync::proto::find::{Find, FindQuery, FindStatus};
use easync::proto::meetingresponse::{
    MeetingResponse, MeetingResponseStatus, Request, RequestRef, UserResponse,
};
use easync::proto::resolverecipients::{ResolveRecipients, ResolveStatus};
use easync::proto::search::{Query, Search, SearchResult, SearchStatus};
use easync::proto::{CollectionId, Command, ProtocolVersion, ServerId};

const V: ProtocolVersion = ProtocolVersion::V14_1;
const INBOX: &str = "mail%2Ff54c6512c265096b6471000083ecc375";

fn id(s: &str) -> CollectionId {
    CollectionId::try_from(s).unwrap()
}

/// The OPAQUE MIME of a captured compose request.
fn captured_mime(name: &str) -> Vec<u8> {
    let tree = wbxml::Element::decode(&fixture(name)).unwrap().into_owned();
    let mime = tree.child(21, "Mime").unwrap();
    match &mime.children[..] {
        [wbxml::Node::Opaque(d)] => d.to_vec(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn send_mail_and_smart_reply_encode_to_the_captured_bytes() {
    let send = SendMail(Message {
        client_id: "send-1795778011".into(),
        account_id: None,
        save_in_sent_items: true,
        mime: captured_mime("sogo/captures/49-sendmail.req.wbxml"),
    });
    assert_eq!(
        send.encode(V).unwrap(),
        fixture("sogo/captures/49-sendmail.req.wbxml")
    );
    assert_eq!(
        SendMail::empty_response(),
        Some(None),
        "an empty answer is success"
    );
    const { assert!(!SendMail::IDEMPOTENT && !SmartReply::IDEMPOTENT && !SmartForward::IDEMPOTENT) };

    let reply = SmartReply {
        message: Message {
            client_id: "reply-1795778013".into(),
            account_id: None,
            save_in_sent_items: true,
            mime: captured_mime("sogo/captures/51-smartreply.req.wbxml"),
        },
        source: Source {
            folder_id: Some(id(INBOX)),
            item_id: Some(ServerId::try_from("2").unwrap()),
            ..Source::default()
        },
        replace_mime: false,
    };
    assert_eq!(
        reply.encode(V).unwrap(),
        fixture("sogo/captures/51-smartreply.req.wbxml")
    );
}

#[test]
fn failed_send_reports_its_status() {
    use wbxml::tags::compose_mail as cm;
    let body = wbxml::Element::new(cm::SEND_MAIL)
        .with(wbxml::Element::new(cm::STATUS).with_text("118"))
        .encode()
        .unwrap();
    let send = SendMail(Message::default());
    let status = send.decode(&body, V).unwrap().unwrap();
    assert_eq!(status.code(), 118);
    assert!(
        status.meaning().contains("already sent"),
        "{}",
        status.meaning()
    );
}

#[test]
fn smart_forward_with_forwardees_16_0() {
    let fwd = SmartForward {
        message: Message {
            client_id: "3d1c8e4a-0001".into(),
            account_id: None,
            save_in_sent_items: true,
            mime: Vec::new(),
        },
        source: Source {
            folder_id: Some(id("3")),
            item_id: Some(ServerId::try_from("3:41").unwrap()),
            ..Source::default()
        },
        replace_mime: false,
        forwardees: vec![
            Forwardee {
                name: Some("Jane Roe".into()),
                email: Some("jane@example.com".into()),
                ..Forwardee::default()
            },
            Forwardee {
                email: Some("bob@example.org".into()),
                ..Forwardee::default()
            },
        ]
        .into(),
    };
    let ours = fwd.encode(ProtocolVersion::V16_0).unwrap();
    assert_eq!(
        leaves(&ours),
        leaves(&fixture("wbxml/synth-16.0-smartforward-forwardees.wbxml"))
    );
}

#[test]
fn meeting_response_and_16_1_proposal() {
    let req = MeetingResponse {
        requests: vec![Request {
            user_response: UserResponse::Tentative,
            request: RequestRef::Item {
                collection_id: id(INBOX),
                request_id: ServerId::try_from("5").unwrap(),
            },
            instance_id: None,
            proposed_start_time: Some("2027-01-15T10:00:00.000Z".into()),
            proposed_end_time: Some("2027-01-15T11:00:00.000Z".into()),
            send_response: Some("How about later?".into()),
        }],
    };
    let old = leaves(&req.encode(V).unwrap());
    assert!(
        old.iter().all(|l| !l.contains("SendResponse")),
        "16.1 only: {old:?}"
    );
    let new = leaves(&req.encode(ProtocolVersion::V16_1).unwrap());
    assert!(
        new.iter()
            .any(|l| l.ends_with("MeetingResponse:ProposedStartTime=2027-01-15T10:00:00.000Z")),
        "{new:?}"
    );
    assert!(
        new.iter()
            .any(|l| l.ends_with("MeetingResponse:UserResponse=2"))
    );
    use wbxml::tags::meeting_response as mr;
    let body = wbxml::Element::new(mr::MEETING_RESPONSE)
        .with(
            wbxml::Element::new(mr::RESULT)
                .with(wbxml::Element::new(mr::REQUEST_ID).with_text("5"))
                .with(wbxml::Element::new(mr::STATUS).with_text("1"))
                .with(wbxml::Element::new(mr::CALENDAR_ID).with_text("cal-9")),
        )
        .encode()
        .unwrap();
    let res = req.decode(&body, V).unwrap();
    assert_eq!(res[0].status, MeetingResponseStatus::Success);
    assert_eq!(
        res[0].calendar_id.as_ref().map(ServerId::as_str),
        Some("cal-9")
    );
}

#[test]
fn resolve_recipients_with_availability() {
    let plain = ResolveRecipients {
        to: vec!["alice@example.test".into()],
        max_ambiguous_recipients: Some(5),
        ..ResolveRecipients::default()
    };
    assert_eq!(
        plain.encode(V).unwrap(),
        fixture("sogo/captures/54-resolverecipients-plain.req.wbxml")
    );
    assert_eq!(
        ResolveRecipients::empty_response(),
        Some(Default::default()),
        "SOGo quirk 7: empty 200"
    );
    let req = ResolveRecipients {
        to: vec!["bob@example.test".into()],
        availability: Some((
            "2027-01-15T09:00:00.000Z".into(),
            "2027-01-15T12:00:00.000Z".into(),
        )),
        ..ResolveRecipients::default()
    };
    assert_eq!(
        req.encode(V).unwrap(),
        fixture("sogo/captures/55-resolverecipients-availability.req.wbxml")
    );
    let resp = req
        .decode(
            &fixture("sogo/captures/55-resolverecipients-availability.resp.wbxml"),
            V,
        )
        .unwrap();
    assert_eq!(resp.status, Some(ResolveStatus::Success));
    let r = &resp.responses[0];
    assert_eq!(r.to.as_deref(), Some("bob@example.test"));
    assert_eq!(r.recipient_count, Some(1));
    let bob = &r.recipients[0];
    assert_eq!(bob.display_name.as_deref(), Some("Bob Tester"));
    assert_eq!(bob.recipient_type, Some(1));
    assert_eq!(
        bob.availability
            .as_ref()
            .unwrap()
            .merged_free_busy
            .as_deref(),
        Some("0022000")
    );
}

#[test]
fn search_the_gal() {
    let req = Search {
        query: Query::Gal("alice".into()),
        range: Some("0-9".into()),
    };
    assert_eq!(
        req.encode(V).unwrap(),
        fixture("sogo/captures/52-search-gal.req.wbxml")
    );
    let resp = req
        .decode(&fixture("sogo/captures/52-search-gal.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, Some(SearchStatus::Success));
    assert_eq!((resp.range.as_deref(), resp.total), (Some("0-0"), Some(1)));
    match &resp.results[..] {
        [SearchResult::Gal(e)] => {
            assert_eq!(e.email_address.as_deref(), Some("alice@example.test"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_the_mailbox() {
    let req = Search {
        query: Query::Mailbox {
            free_text: "Seed".into(),
            collection_ids: vec![id(INBOX)],
            classes: vec![],
            deep_traversal: true,
        },
        range: Some("0-9".into()),
    };
    assert_eq!(
        req.encode(V).unwrap(),
        fixture("sogo/captures/53-search-mailbox.req.wbxml")
    );
    let resp = req
        .decode(&fixture("sogo/captures/53-search-mailbox.resp.wbxml"), V)
        .unwrap();
    let subjects: Vec<_> = resp
        .results
        .iter()
        .map(|r| match r {
            SearchResult::Item {
                item: ApplicationData::Email(e),
                long_id,
                ..
            } => {
                assert!(long_id.as_deref().unwrap().starts_with(INBOX));
                e.subject.clone().unwrap()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        subjects.contains(&"Seed message 1".to_string()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Seed message 4 with attachment".to_string()),
        "{subjects:?}"
    );
}

#[test]
fn find_16_1_request_and_response() {
    let req = Find {
        search_id: "5f2c9d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f".into(),
        query: FindQuery::Mailbox {
            free_text: "subject:Presentation".into(),
            class: ItemClass::Email,
            collection_id: Some(id("7")),
            deep_traversal: true,
        },
        range: Some("0-4".into()),
    };
    let v = ProtocolVersion::V16_1;
    assert_eq!(
        req.encode(v).unwrap(),
        fixture("wbxml/synth-16.1-find-request-mailbox.wbxml")
    );
    let resp = req
        .decode(&fixture("wbxml/synth-16.1-find-response.wbxml"), v)
        .unwrap();
    assert_eq!(resp.status, Some(FindStatus::Success));
    assert_eq!(resp.store.as_deref(), Some("Mailbox"));
    assert_eq!((resp.range.as_deref(), resp.total), (Some("0-0"), Some(1)));
    let r = &resp.results[0];
    assert_eq!(r.server_id.as_ref().map(ServerId::as_str), Some("7:12"));
    assert_eq!(
        r.preview.as_deref(),
        Some("Hi Don, attached is the presentation")
    );
    assert_eq!(
        (r.has_attachments, r.display_cc.as_deref()),
        (Some(true), Some("Jane Roe"))
    );
    let Some(ApplicationData::Email(e)) = &r.item else {
        panic!("{:?}", r.item)
    };
    assert_eq!(e.subject.as_deref(), Some("Presentation draft"));
    assert_eq!(e.from.as_deref(), Some("\"Jane Roe\" <jane@example.com>"));
    assert_eq!(e.read, Some(false));
}

#[test]
fn find_of_the_gal_sends_the_query_as_text_and_a_guid() {
    // MS-ASCMD 2.2.3.142.1: under GALSearchCriterion, Query is a string, no children; the
    // SearchId is a GUID (the FindRequest schema, 6.7).
    let id = easync::proto::find::random_search_id().unwrap();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, vec![8, 4, 4, 4, 12], "{id}");
    assert_eq!(&id[14..15], "4", "version 4");
    let req = Find {
        search_id: id,
        query: FindQuery::Gal {
            free_text: "popescu".into(),
        },
        range: Some("0-9".into()),
    };
    let tree = wbxml::Element::decode(&req.encode(ProtocolVersion::V16_1).unwrap())
        .unwrap()
        .into_owned();
    let exec = tree.child(25, "ExecuteSearch").unwrap();
    let query = exec
        .child(25, "GALSearchCriterion")
        .unwrap()
        .child(25, "Query");
    assert_eq!(
        query.map(|q| (q.text(), q.elements().count())),
        Some(("popescu".into(), 0))
    );
}

#[test]
fn a_16_0_answer_without_a_note_still_tells_the_organizer() {
    // MS-ASCMD 2.2.3.163: an empty SendResponse sends a response without a body; without the
    // element nobody hears of the answer (SendResponse is 16.0 and 16.1).
    let req = |send: Option<&str>| MeetingResponse {
        requests: vec![Request {
            user_response: UserResponse::Accepted,
            request: RequestRef::Item {
                collection_id: id(INBOX),
                request_id: ServerId::try_from("7").unwrap(),
            },
            instance_id: None,
            proposed_start_time: None,
            proposed_end_time: None,
            send_response: send.map(String::from),
        }],
    };
    let tree = |r: MeetingResponse| {
        let bytes = r.encode(ProtocolVersion::V16_0).unwrap();
        let t = wbxml::Element::decode(&bytes).unwrap();
        let request = t.child(8, "Request").unwrap();
        request
            .child(8, "SendResponse")
            .map(|s| s.elements().count())
    };
    assert_eq!(tree(req(Some(""))), Some(0), "an empty SendResponse");
    assert_eq!(tree(req(Some("See you"))), Some(1), "with its Body");
    assert_eq!(tree(req(None)), None);
}
