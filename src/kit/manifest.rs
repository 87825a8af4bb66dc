//! What a kit holds and promises: its manifest (station, films, roster, validity), signed
//! with the kit's own Ed25519 key when it is made. The private half of that key stays in the
//! server's data folder (the `kits` tree), never on the stick: the page can tell a manifest
//! changed on the stick from the one the server made, and the import judges records against
//! the server's own copy, whatever the stick says.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The `format` of a manifest.
pub const MANIFEST_FORMAT: &str = "dianjiao-kit/1";

/// One film on the kit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KitFilm {
    pub id: String,
    pub title: String,
    /// Whole seconds, from the catalog's probe.
    pub duration_s: u64,
    /// Path inside the kit folder: `films/<id>.mp4`.
    pub file: String,
    /// `posters/<id>.jpg`, when the film has a poster.
    #[serde(default)]
    pub poster: Option<String>,
    /// 播前备课 notes.
    #[serde(default)]
    pub prep_notes: Option<String>,
    /// 播中提示: `{"at_s", "text"}` in film order.
    #[serde(default)]
    pub cues: Vec<KitCue>,
}

/// A prompt at a moment of a film.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KitCue {
    pub at_s: f64,
    pub text: String,
}

/// One party member of the station's roster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KitMember {
    pub id: String,
    pub name: String,
    pub member_no: String,
}

/// What a kit is: signed at creation, copied into the kit's `kit/data.js`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// `kit_` + 12 hex digits.
    pub kit_id: String,
    pub station_id: String,
    pub station_code: String,
    pub station_name: String,
    pub township: String,
    /// RFC 3339 UTC, the server's clock.
    pub made_at: String,
    /// Records are accepted from `valid_from` to `valid_to` (RFC 3339 UTC).
    pub valid_from: String,
    pub valid_to: String,
    pub films: Vec<KitFilm>,
    pub members: Vec<KitMember>,
    /// The kit key's public half, 64 hex digits.
    pub public_key: String,
}

/// A kit as the server keeps it (the `kits` tree): the manifest exactly as signed, the
/// signature, and the private key's seed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredKit {
    /// The manifest's JSON, byte for byte what was signed and written to the stick.
    pub manifest_json: String,
    /// Ed25519 signature over `manifest_json`, 128 hex digits.
    pub signature: String,
    /// The private key's 32-byte seed, hex.
    pub secret: String,
    /// Where the kit was written.
    pub folder: String,
}

impl StoredKit {
    /// The manifest, decoded.
    pub fn manifest(&self) -> Option<Manifest> {
        serde_json::from_str(&self.manifest_json).ok()
    }
}

/// A new kit key.
pub fn new_key() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

/// Signs `manifest_json` with `key`: the signature in hex.
pub fn sign(key: &SigningKey, manifest_json: &str) -> String {
    hex::encode(key.sign(manifest_json.as_bytes()).to_bytes())
}

/// Whether `signature` (hex) is `public_key`'s (hex) over `manifest_json`.
pub fn signature_holds(public_key: &str, manifest_json: &str, signature: &str) -> bool {
    let (mut pk, mut sig) = ([0u8; 32], [0u8; 64]);
    if hex::decode_to_slice(public_key, &mut pk).is_err()
        || hex::decode_to_slice(signature, &mut sig).is_err()
    {
        return false;
    }
    let Ok(key) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    key.verify(manifest_json.as_bytes(), &Signature::from_bytes(&sig))
        .is_ok()
}

/// The text of `kit/data.js`: `window.KIT = {...};` with the manifest as the string that was
/// signed. U+2028/U+2029 are escaped (ES2017 string literals cannot hold them raw).
pub fn data_js(stored: &StoredKit) -> String {
    let data = serde_json::json!({
        "manifest": stored.manifest_json,
        "signature": stored.signature,
    });
    let text = data
        .to_string()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    format!("// 电教放映包的内容（由服务器生成并签名，请勿修改）\nwindow.KIT = {text};\n")
}
