//! A seeded mix of create-customer bodies for benchmarks: 70% valid, the rest failing one or
//! more rules in the ways real input does. Shared by the benchmarks of several crates
//! (`#[path]`; in a folder, so cargo does not build it as a benchmark of its own), so every
//! figure is measured on the same data.

/// splitmix64: a few lines of well-known PRNG, enough for reproducible benchmark data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "John", "  Maria ", "Zoë", "Jean-Luc", "Ngozi", "山田", "O'Neil", "Aarav",
];
const LAST: &[&str] = &[
    "Doe",
    "García Márquez",
    "Ørsted",
    "Smith-Jones",
    "Okafor",
    "太郎",
    "Müller",
];
const PHONES: &[&str] = &[
    "+1-555-123-4567",
    "+1 (415) 555-0132",
    "+44 20 7946 0958",
    "+33 1 42 86 83 26",
    "+49 30 901820",
    "+81 3-1234-5678",
    "+15551234567",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "Mail.Example.co.uk",
    "startup.io",
    "gmail.com",
];
const TYPES: &[&str] = &[
    "Individual",
    "Startup",
    "Small Business",
    "Enterprise",
    "Non-Profit",
];
const STATUSES: &[&str] = &["ACTIVE", "BLACKLISTED", "DEACTIVATED"];

/// `n` JSON bodies from `seed`; the same arguments always give the same bodies.
pub fn bodies(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..n).map(|_| body(&mut rng)).collect()
}

fn body(rng: &mut Rng) -> String {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let mut phone = rng.pick(PHONES).to_owned();
    let mut email = format!(
        r#""{}.{}{}@{}""#,
        first.trim().to_lowercase(),
        last.to_lowercase().replace(' ', ""),
        rng.below(1000),
        rng.pick(DOMAINS)
    );
    if !email.is_ascii() {
        email = format!(r#""customer{}@{}""#, rng.below(100_000), rng.pick(DOMAINS));
    }
    let mut first = format!(r#""{first}""#);
    let mut customer_type = format!(r#""{}""#, rng.pick(TYPES));
    let status = rng.pick(STATUSES);
    // 30% invalid, spread over the ways input goes wrong.
    if rng.below(10) < 3 {
        match rng.below(6) {
            0 => first = r#""  ""#.to_owned(),
            1 => phone = "555-123-4567".to_owned(),
            2 => phone = "+1 555 12".to_owned(),
            3 => email = r#""not-an-email""#.to_owned(),
            4 => customer_type = r#""Business""#.to_owned(),
            _ => {
                first = "42".to_owned();
                email = r#""a@b""#.to_owned();
            }
        }
    }
    if rng.below(4) == 0 {
        email = "null".to_owned();
    }
    format!(
        r#"{{"first_name":{first},"last_name":"{last}","email":{email},"phone_number":"{phone}","customer_type":{customer_type},"status":"{status}"}}"#
    )
}
