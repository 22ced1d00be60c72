//! No response body can make the protocol layer panic: every SOGo capture and every WBXML
//! vector, mutated thousands of times (deterministically), goes through every command's
//! decoder, which must return a value or an error.

use std::fs;
use std::path::Path;

use easync::proto::classes::ItemClass;
use easync::proto::*;

/// xorshift64*: deterministic, so a failure is reproducible from the case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..=rng.below(3) {
        let at = rng.below(data.len());
        match rng.below(4) {
            0 if !data.is_empty() => data[at] ^= 1 << rng.below(8),
            1 if !data.is_empty() => data[at] = rng.next() as u8,
            2 => data.insert(at.min(data.len()), rng.next() as u8),
            _ => data.truncate(at),
        }
    }
}

/// Every decoder, on the same bytes; results are discarded, panics are not. Returns how many
/// decoders accepted the bytes (to show the mutations reach deep into valid documents).
fn decode_all(body: &[u8]) -> usize {
    let mut accepted = 0;
    let v = ProtocolVersion::V16_1;
    let key = SyncKey::initial;
    let id = || CollectionId::try_from("7").unwrap();
    accepted += usize::from(
        foldersync::FolderSync { sync_key: key() }
            .decode(body, v)
            .is_ok(),
    );
    let mut sync = sync::Sync::default();
    sync.collections.push(sync::SyncCollection::new(
        key(),
        id(),
        Some(ItemClass::Email),
    ));
    accepted += usize::from(sync.decode(body, v).is_ok());
    for class in [
        ItemClass::Contacts,
        ItemClass::Calendar,
        ItemClass::Tasks,
        ItemClass::Notes,
    ] {
        sync.collections[0].class = Some(class);
        accepted += usize::from(sync.decode(body, v).is_ok());
    }
    let _ = getitemestimate::GetItemEstimate {
        collections: vec![],
    }
    .decode(body, v);
    let _ = ping::Ping::default().decode(body, v);
    let _ = provision::Provision::Request {
        device_information: None,
    }
    .decode(body, v);
    let _ = settings::Settings::default().decode(body, v);
    let fetch = itemoperations::Fetch::mime(id(), ServerId::try_from("1").unwrap());
    let _ = itemoperations::ItemOperations {
        fetches: vec![fetch],
        multipart: true,
    }
    .decode(body, v);
    let _ = moveitems::MoveItems { moves: vec![] }.decode(body, v);
    let _ = search::Search {
        query: search::Query::Gal(String::new()),
        range: None,
    }
    .decode(body, v);
    let _ = resolverecipients::ResolveRecipients::default().decode(body, v);
    let find = find::Find {
        search_id: "x".into(),
        query: find::FindQuery::Gal {
            free_text: "x".into(),
        },
        range: None,
    };
    let _ = find.decode(body, v);
    let _ = meetingresponse::MeetingResponse { requests: vec![] }.decode(body, v);
    let _ = compose::SendMail(compose::Message::default()).decode(body, v);
    let _ = read::leading_status(body);
    accepted
}

#[test]
fn mutated_bodies_never_panic_a_decoder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut seeds: Vec<Vec<u8>> = ["sogo/captures", "wbxml"]
        .iter()
        .flat_map(|d| fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wbxml"))
        .map(|p| fs::read(p).unwrap())
        .collect();
    seeds.sort();
    assert!(seeds.len() > 150, "{} seeds", seeds.len());
    let mut rng = Rng(0x00C0_FFEE_1234_5678);
    let (mut cases, mut accepted) = (0, 0);
    for seed in &seeds {
        decode_all(seed);
        for _ in 0..40 {
            let mut data = seed.clone();
            mutate(&mut rng, &mut data);
            accepted += decode_all(&data);
            cases += 1;
        }
    }
    assert_eq!(cases, seeds.len() * 40);
    assert!(
        accepted > 500,
        "only {accepted} mutated bodies were still accepted somewhere"
    );
}
