//! The form in headless Chromium: what it renders, its live checks and their ARIA wiring, the
//! embedder's messages and locale packs, the choice of a pack (`locale.js`), and what a
//! submission does when the server does not create anything.
//! `cargo test -p signup-form --target wasm32-unknown-unknown`; the whole path through the
//! proxy is the end-to-end suite's (`tests/`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use signup_form::{Handle, mount};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen::prelude::wasm_bindgen(module = "/locale.js")]
extern "C" {
    /// The pack `signup-form.js` loads for these candidate tags (`en`: none).
    fn locale(candidates: Vec<JsValue>) -> String;
    /// The packs `locale.js` offers.
    #[wasm_bindgen(thread_local_v2, js_name = PACKS)]
    static PACKS: js_sys::Array;
}

/// The French pack, as `signup-form.js` hands it to the form.
fn french() -> JsValue {
    js_sys::JSON::parse(include_str!("../locales/fr.json")).unwrap()
}

/// A mounted form in its own container.
struct Form {
    container: HtmlElement,
    handle: Handle,
}

impl Form {
    /// Mounts a form with `options` and lets it render.
    async fn mount(options: &[(&str, JsValue)]) -> Form {
        let document = web_sys::window().unwrap().document().unwrap();
        let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&container).unwrap();
        let handle = mount(container.clone(), object(options));
        settle().await;
        Form { container, handle }
    }

    /// Catches the `name` events that bubble out of the form, until the listener is dropped.
    fn listen(&self, name: &'static str) -> Listener {
        let detail = std::rc::Rc::new(std::cell::RefCell::new(None::<JsValue>));
        let seen = detail.clone();
        let closure =
            Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
                *seen.borrow_mut() = Some(event.detail());
            });
        self.container
            .add_event_listener_with_callback(name, closure.as_ref().unchecked_ref())
            .unwrap();
        Listener {
            target: self.container.clone(),
            name,
            detail,
            closure,
        }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.container.query_selector(selector).unwrap()
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn input(&self, name: &str) -> HtmlInputElement {
        self.get(&format!("[name={name}]")).unchecked_into()
    }

    fn attr(&self, selector: &str, attribute: &str) -> Option<String> {
        self.get(selector).get_attribute(attribute)
    }

    /// The text of the error element the field's `aria-describedby` points at, if it does.
    fn error_of(&self, name: &str) -> Option<String> {
        let input = self.input(name);
        let ids = input.get_attribute("aria-describedby")?;
        ids.split(' ')
            .filter_map(|id| self.find(&format!("#{id}")))
            .find(|element| element.class_name() == "signup-error")
            .and_then(|element| element.text_content())
    }

    async fn type_into(&self, name: &str, text: &str) {
        let input = self.input(name);
        input.set_value(text);
        input.dispatch_event(&Event::new("input").unwrap()).unwrap();
        settle().await;
    }

    /// Types a valid entry into the three required fields.
    async fn fill_required(&self) {
        self.type_into("first_name", "Ann").await;
        self.type_into("last_name", "Lee").await;
        self.type_into("phone_number", "+1-555-123-4567").await;
    }

    async fn blur(&self, name: &str) {
        self.input(name)
            .dispatch_event(&Event::new("blur").unwrap())
            .unwrap();
        settle().await;
    }

    /// Submits, and waits past the focus move that follows a refused submit (a timer).
    async fn submit(&self) {
        self.get("button[type=submit]")
            .unchecked_into::<HtmlElement>()
            .click();
        settle().await;
        sleep(0).await;
    }
}

impl Drop for Form {
    fn drop(&mut self) {
        self.handle.unmount();
        self.container.remove();
    }
}

/// The `name` of the element that has the focus.
fn focused_name() -> Option<String> {
    let document = web_sys::window()?.document()?;
    document.active_element()?.get_attribute("name")
}

/// Lets the reactive system run what the last event scheduled.
async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

/// A JavaScript object with these properties.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &JsValue::from_str(key), value).unwrap();
    }
    object.into()
}

/// An embedder's `messages` option.
fn messages(pairs: &[(&str, &str)]) -> JsValue {
    let pairs: Vec<(&str, JsValue)> = pairs
        .iter()
        .map(|(key, text)| (*key, JsValue::from_str(text)))
        .collect();
    object(&pairs)
}

#[test]
async fn renders_every_field_with_its_label_type_autofill_and_limit() {
    let form = Form::mount(&[]).await;
    for (name, kind, autocomplete, max, label) in [
        ("first_name", "text", "given-name", "100", "First name"),
        ("last_name", "text", "family-name", "100", "Last name"),
        ("phone_number", "tel", "tel", "20", "Phone number"),
        ("email", "email", "email", "255", "Email (optional)"),
    ] {
        let input = form.input(name);
        assert_eq!(input.type_(), kind, "{name}");
        assert_eq!(input.get_attribute("autocomplete").unwrap(), autocomplete);
        assert_eq!(input.get_attribute("maxlength").unwrap(), max, "{name}");
        let text = form
            .get(&format!("label[for='{}']", input.id()))
            .text_content();
        assert_eq!(text.as_deref(), Some(label));
        assert_eq!(
            form.attr(&format!("[name={name}]"), "aria-invalid")
                .unwrap(),
            "false"
        );
        assert_eq!(input.required(), name != "email", "{name}");
    }
    let options = form
        .container
        .query_selector_all("select[name=customer_type] option")
        .unwrap();
    assert_eq!(options.length(), 7);
    assert_eq!(
        form.get("select[name=customer_type]")
            .unchecked_into::<web_sys::HtmlSelectElement>()
            .value(),
        "Individual"
    );
    assert!(
        form.find("[name=status]").is_none(),
        "status has no control"
    );
    assert!(
        form.find("[name=consent]").is_none(),
        "no consent checkbox without the option"
    );
    assert!(
        form.find("[role=status]").is_some() && form.find(".signup-alert[role=alert]").is_some()
    );
}

#[test]
async fn shows_the_rule_message_after_blur_and_wires_aria() {
    let form = Form::mount(&[]).await;
    assert_eq!(
        form.error_of("first_name"),
        None,
        "nothing before the field is left"
    );
    form.blur("first_name").await;
    assert_eq!(
        form.error_of("first_name").as_deref(),
        Some("First name is required")
    );
    assert_eq!(
        form.attr("[name=first_name]", "aria-invalid").unwrap(),
        "true"
    );
    // Untouched fields stay quiet.
    assert_eq!(
        form.attr("[name=last_name]", "aria-invalid").unwrap(),
        "false"
    );

    // Once touched, it is checked as the user types.
    form.type_into("first_name", "Ann").await;
    assert_eq!(form.error_of("first_name"), None);
    assert_eq!(
        form.attr("[name=first_name]", "aria-invalid").unwrap(),
        "false"
    );
}

#[test]
async fn checks_phone_numbers_as_typed_once_touched() {
    let form = Form::mount(&[]).await;
    form.type_into("phone_number", "555").await;
    assert_eq!(form.error_of("phone_number"), None, "not before blur");
    form.blur("phone_number").await;
    assert_eq!(
        form.error_of("phone_number").as_deref(),
        Some("Phone number must start with + and a country code")
    );
    // The hint stays described too.
    let described = form
        .attr("[name=phone_number]", "aria-describedby")
        .unwrap();
    assert!(described.contains("-hint"), "{described}");
    form.type_into("phone_number", "+1 555 123").await;
    assert_eq!(
        form.error_of("phone_number").as_deref(),
        Some("Please provide a valid phone number")
    );
    form.type_into("phone_number", "+1 (555) 123-4567").await;
    assert_eq!(form.error_of("phone_number"), None);
    form.type_into("email", "not-an-email").await;
    form.blur("email").await;
    assert_eq!(
        form.error_of("email").as_deref(),
        Some("Please provide a valid email address")
    );
}

#[test]
async fn embedder_messages_replace_the_defaults_per_field_code_or_code() {
    let form = Form::mount(&[(
        "messages",
        messages(&[
            ("first_name.required", "Vorname fehlt"),
            ("required", "Pflichtfeld"),
            ("submit", "Registrieren"),
            ("label.first_name", "Vorname"),
        ]),
    )])
    .await;
    form.blur("first_name").await;
    form.blur("last_name").await;
    assert_eq!(
        form.error_of("first_name").as_deref(),
        Some("Vorname fehlt")
    );
    assert_eq!(form.error_of("last_name").as_deref(), Some("Pflichtfeld"));
    assert_eq!(
        form.get("button[type=submit]").text_content().unwrap(),
        "Registrieren"
    );
    let id = form.input("first_name").id();
    assert_eq!(
        form.get(&format!("label[for='{id}']"))
            .text_content()
            .unwrap(),
        "Vorname"
    );
}

#[test]
fn chooses_a_pack_by_subtags_and_falls_back_to_english() {
    let choose = |candidates: &[&str]| {
        locale(
            candidates
                .iter()
                .map(|tag| JsValue::from_str(tag))
                .collect(),
        )
    };
    for pack in PACKS.with(|packs| packs.to_vec()) {
        let pack = pack.as_string().unwrap();
        assert_eq!(choose(&[&pack]), pack);
        assert_eq!(choose(&[&pack.to_uppercase()]), pack);
    }
    for (candidates, expected) in [
        (&["pt-BR"][..], "pt-BR"),
        (&["pt"], "pt-BR"),
        (&["pt-PT"], "pt-BR"),
        (&["pt_br"], "pt-BR"),
        (&["zh-Hans-CN"], "zh-CN"),
        (&["fr-CA"], "fr"),
        (&["de-CH-1996"], "de"),
        (&["ar-EG"], "ar"),
        (&["en-US"], "en"),
        (&["en-US", "fr"], "en"),
        (&["sv-SE", "nl-BE"], "nl"),
        (&["", " ", "*", "ja"], "ja"),
        (&["tlh", "x-klingon"], "en"),
        (&[], "en"),
    ] {
        assert_eq!(choose(candidates), expected, "{candidates:?}");
    }
}

#[test]
async fn a_pack_translates_the_form_and_the_embedders_messages_win() {
    let form = Form::mount(&[
        ("pack", french()),
        (
            "messages",
            messages(&[
                ("last_name.required", "Nom, s’il vous plaît"),
                ("invalid_phone", "Numéro ?"),
            ]),
        ),
    ])
    .await;
    let id = form.input("first_name").id();
    let label = |id: &str| {
        form.get(&format!("label[for='{id}']"))
            .text_content()
            .unwrap()
    };
    assert_eq!(label(&id), "Prénom");
    assert_eq!(
        form.get("option[value='Small Business']")
            .text_content()
            .unwrap(),
        "Petite entreprise"
    );
    assert_eq!(
        form.get("button[type=submit]").text_content().unwrap(),
        "S’inscrire"
    );
    // The pack's rule messages, the limit filled in from the rules.
    form.type_into("first_name", &"A".repeat(101)).await;
    form.blur("first_name").await;
    assert_eq!(
        form.error_of("first_name").as_deref(),
        Some("Le prénom ne peut pas dépasser 100 caractères")
    );
    // The embedder's, by `field.code` and by code alone, beat the pack.
    form.blur("last_name").await;
    assert_eq!(
        form.error_of("last_name").as_deref(),
        Some("Nom, s’il vous plaît")
    );
    form.type_into("phone_number", "+1 555").await;
    form.blur("phone_number").await;
    assert_eq!(form.error_of("phone_number").as_deref(), Some("Numéro ?"));
    form.submit().await;
    assert_eq!(
        form.get(".signup-summary-title").text_content().unwrap(),
        "Veuillez corriger les points suivants\u{a0}:"
    );
}

#[test]
async fn texts_a_pack_lacks_stay_english() {
    let form = Form::mount(&[("pack", messages(&[("label.first_name", "Prénom")]))]).await;
    let id = form.input("first_name").id();
    assert_eq!(
        form.get(&format!("label[for='{id}']"))
            .text_content()
            .unwrap(),
        "Prénom"
    );
    let id = form.input("last_name").id();
    assert_eq!(
        form.get(&format!("label[for='{id}']"))
            .text_content()
            .unwrap(),
        "Last name"
    );
    form.blur("first_name").await;
    assert_eq!(
        form.error_of("first_name").as_deref(),
        Some("First name is required")
    );
}

#[test]
async fn submit_with_errors_shows_them_all_and_focuses_the_first() {
    let form = Form::mount(&[]).await;
    form.type_into("first_name", "Ann").await;
    form.submit().await;
    assert_eq!(focused_name().as_deref(), Some("last_name"));
    assert_eq!(
        form.error_of("last_name").as_deref(),
        Some("Last name is required")
    );
    assert_eq!(
        form.error_of("phone_number").as_deref(),
        Some("Phone number is required")
    );
    assert_eq!(form.error_of("email"), None, "email is optional");
    let summary = form.get(".signup-summary");
    assert!(!summary.has_attribute("hidden"));
    let text = summary.text_content().unwrap();
    assert!(
        text.contains("Last name is required") && text.contains("Phone number is required"),
        "{text}"
    );
    // A summary link focuses its field.
    let link = form
        .get(".signup-summary li:nth-child(2) a")
        .unchecked_into::<HtmlElement>();
    assert_eq!(
        link.text_content().as_deref(),
        Some("Phone number is required")
    );
    link.click();
    settle().await;
    assert_eq!(focused_name().as_deref(), Some("phone_number"));
    // Fixing everything empties the summary.
    form.type_into("last_name", "Lee").await;
    form.type_into("phone_number", "+1-555-123-4567").await;
    assert!(form.get(".signup-summary").has_attribute("hidden"));
}

#[test]
async fn consent_checkbox_appears_with_an_email_and_is_required() {
    let form = Form::mount(&[("consent", JsValue::from_str("You may email me"))]).await;
    assert!(form.find("[name=consent]").is_none());
    form.fill_required().await;
    form.type_into("email", "ann@example.com").await;
    let consent = form.get("[name=consent]");
    assert!(
        consent
            .parent_element()
            .unwrap()
            .text_content()
            .unwrap()
            .contains("You may email me")
    );
    form.submit().await;
    assert_eq!(form.attr("[name=consent]", "aria-invalid").unwrap(), "true");
    assert_eq!(focused_name().as_deref(), Some("consent"));
}

#[test]
async fn clearing_the_email_after_a_failed_submit_drops_the_consent_error_with_its_checkbox() {
    let form = Form::mount(&[("consent", JsValue::TRUE)]).await;
    form.fill_required().await;
    form.type_into("email", "ann@example.com").await;
    // `consent: true`: the checkbox with the default text.
    assert!(
        form.get("[name=consent]")
            .parent_element()
            .unwrap()
            .text_content()
            .unwrap()
            .contains("I agree that my email address is stored")
    );
    form.submit().await;
    let summary = || form.get(".signup-summary").text_content().unwrap();
    assert!(summary().contains("Please agree"), "{}", summary());
    assert_eq!(form.attr("[name=consent]", "aria-invalid").unwrap(), "true");
    // No email, no checkbox: and no error about it, nor a link to it.
    form.type_into("email", "").await;
    assert!(form.find("[name=consent]").is_none());
    assert!(!summary().contains("Please agree"), "{}", summary());
    assert!(form.find("a[href$='-consent']").is_none());
    assert!(form.get(".signup-summary").has_attribute("hidden"));
    // Back again, unticked: the error is back, as the state says.
    form.type_into("email", "ann@example.com").await;
    assert!(summary().contains("Please agree"), "{}", summary());
    form.get("[name=consent]")
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    assert!(!summary().contains("Please agree"), "{}", summary());
    assert_eq!(
        form.attr("[name=consent]", "aria-invalid").unwrap(),
        "false"
    );
}

#[test]
async fn a_refused_submission_dispatches_customer_error_and_keeps_its_key() {
    // The test server has no such route: the answer is a 404, which is final.
    let form = Form::mount(&[("endpoint", JsValue::from_str("/no-such-endpoint"))]).await;
    // On the container: the event bubbles out of the form.
    let listener = form.listen("customer-error");
    form.fill_required().await;
    form.submit().await;
    let detail = listener.wait(500).await.unwrap_or_else(|| {
        panic!(
            "customer-error was not dispatched; summary: {:?}, status {:?}, alert: {:?}",
            form.get(".signup-summary").outer_html(),
            form.get(".signup-status").text_content(),
            form.get(".signup-alert").text_content()
        )
    });
    assert_eq!(
        Reflect::get(&detail, &"status".into()).unwrap().as_f64(),
        Some(404.0)
    );
    assert!(
        !form.get(".signup-alert").text_content().unwrap().is_empty(),
        "the failure is shown"
    );
    assert_eq!(form.attr("form", "aria-busy").unwrap(), "false");
    // The key stays for the same entry: a retry (or a reload) resubmits with it.
    let storage = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    let key = storage
        .get_item("signup-form:/no-such-endpoint:key")
        .unwrap()
        .expect("key kept");
    assert_eq!(key.len(), 36);
    assert_eq!(&key[14..15], "4", "a UUID v4: {key}");
    storage.clear().unwrap();
}

#[test]
async fn retries_a_busy_answer_with_the_same_key_then_confirms() {
    // A server that is busy once (503, Retry-After: 0), then creates, and asks for no proof of
    // work (no challenge to fetch): the fetch the form sees.
    let window = web_sys::window().unwrap();
    let original = Reflect::get(&window, &"fetch".into()).unwrap();
    let stub = js_sys::Function::new_with_args(
        "url, init",
        "if (String(url).endsWith('/challenge')) {
           return Promise.resolve(new Response('{}', {status: 404}));
         }
         window.__keys = window.__keys || [];
         window.__keys.push(new Headers(init.headers).get('idempotency-key'));
         if (window.__keys.length === 1) {
           return Promise.resolve(new Response('{}', {status: 503, headers: {'retry-after': '0'}}));
         }
         return Promise.resolve(new Response(JSON.stringify({id: 'c-1', first_name: 'Ann'}),
           {status: 201, headers: {'content-type': 'application/json'}}));",
    );
    Reflect::set(&window, &"fetch".into(), &stub).unwrap();
    let form = Form::mount(&[("endpoint", JsValue::from_str("/retry-endpoint"))]).await;
    let listener = form.listen("customer-created");
    form.fill_required().await;
    form.submit().await;
    let created = listener.wait(250).await;
    Reflect::set(&window, &"fetch".into(), &original).unwrap();
    let keys = js_sys::Array::from(&Reflect::get(&window, &"__keys".into()).unwrap());
    assert_eq!(keys.length(), 2, "one retry");
    assert_eq!(keys.get(0), keys.get(1), "the same idempotency key");
    let detail = created.expect("customer-created was dispatched");
    assert_eq!(
        Reflect::get(&detail, &"id".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("c-1")
    );
    assert!(
        !form
            .get(".signup-status")
            .text_content()
            .unwrap()
            .is_empty(),
        "the confirmation is shown"
    );
    let storage = window.session_storage().unwrap().unwrap();
    assert_eq!(
        storage.get_item("signup-form:/retry-endpoint:key").unwrap(),
        None,
        "the key is forgotten once the customer exists"
    );
}

#[test]
async fn unmount_removes_the_form() {
    let mut form = Form::mount(&[]).await;
    assert!(form.find("form").is_some());
    form.handle.unmount();
    settle().await;
    assert!(form.find("form").is_none());
    form.handle.unmount();
}

/// Events of one name on a form's container (see [`Form::listen`]).
struct Listener {
    target: HtmlElement,
    name: &'static str,
    detail: std::rc::Rc<std::cell::RefCell<Option<JsValue>>>,
    closure: Closure<dyn FnMut(web_sys::CustomEvent)>,
}

impl Listener {
    /// The latest event's detail, polling every 20 ms up to `tries` times until there is one.
    async fn wait(&self, tries: u32) -> Option<JsValue> {
        for _ in 0..tries {
            if self.detail.borrow().is_some() {
                break;
            }
            sleep(20).await;
        }
        self.detail.borrow().clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.name, self.closure.as_ref().unchecked_ref());
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
