// Types of @signup/customer-validation: the Devdraft create-customer rules, compiled from Rust.

/** A field of the create-customer request; `""` is the request body itself. */
export type Field = '' | 'first_name' | 'last_name' | 'phone_number' | 'email' | 'customer_type' | 'status';

/** Why a field failed. */
export type Code =
  | 'invalid_body'
  | 'required'
  | 'not_a_string'
  | 'too_long'
  | 'invalid_characters'
  | 'missing_country_code'
  | 'invalid_phone'
  | 'invalid_email'
  | 'invalid_enum';

export type CustomerType =
  | 'Individual'
  | 'Startup'
  | 'Small Business'
  | 'Medium Business'
  | 'Enterprise'
  | 'Non-Profit'
  | 'Government';

export type Status = 'ACTIVE' | 'BLACKLISTED' | 'DEACTIVATED';

/** One failed field, with the message the Devdraft API gives for it. */
export interface FieldError {
  readonly field: Field;
  readonly code: Code;
  readonly message: string;
}

/**
 * The normalized request: names and phone trimmed, email trimmed and lower-cased (absent when
 * not given or blank), enums defaulted. `phone_e164` is the phone number in E.164 form
 * (`+15551234567`); it is not an API field, so leave it out of what you send to Devdraft.
 */
export interface Customer {
  first_name: string;
  last_name: string;
  phone_number: string;
  email?: string;
  customer_type: CustomerType;
  status: Status;
  phone_e164: string;
}

export type Report =
  | { valid: true; value: Customer; errors: []; messages: [] }
  | {
      valid: false;
      value?: undefined;
      /** Every failed field, in field order, at most one per field. */
      errors: FieldError[];
      /** The `message` array of the API's 400 body for the same input (in the language asked for). */
      messages: string[];
    };

/** The fields `validateField` checks. */
export type ApiField = Exclude<Field, ''>;

/** A language of the messages: English (built in) or a locale pack. */
export type Locale = 'en' | 'ar' | 'de' | 'es' | 'fr' | 'it' | 'ja' | 'nl' | 'pl' | 'pt-BR' | 'tr' | 'zh-CN';

/**
 * The wording of the messages. Without options they are the API's English.
 *
 * A message is the first of: `messages[field.code]` (`first_name.required`),
 * `messages[code]` (`required`), the locale pack's, English. A text may say `{max}` (the field's
 * limit) and `{values}` (the allowed values), filled from the rules.
 */
export interface TextOptions {
  /** Your own texts, keyed `field.code` or `code`; they win over the locale's. */
  messages?: Readonly<Record<string, string>>;
  /**
   * A BCP 47 tag, or several best first (`navigator.languages`): the first whose fallback chain
   * (`fr-CA` → `fr`; `pt-PT` → `pt` → `pt-BR`; else English) reaches a language of `LOCALES`. Node reads the pack itself;
   * the browser build needs `await loadLocale(locale)` first, and throws otherwise.
   */
  locale?: string | readonly string[];
}

/** Checks a whole create-customer body (any value: a non-object is reported, not thrown). */
export function validateCustomer(input: unknown, options?: TextOptions): Report;

/** Checks one field as a form does while the user types: `null` when it passes. Throws on an unknown field name. */
export function validateField(field: ApiField, value: unknown, options?: TextOptions): FieldError | null;

/**
 * Loads the pack `locale` resolves to (browser: fetched once from the package's `locales/`;
 * Node: read from disk) and resolves to its language. Rejects when the pack cannot be loaded.
 */
export function loadLocale(locale: string | readonly string[]): Promise<Locale>;

/** The languages of the messages: English, then the packs (the same as the widget's). */
export const LOCALES: readonly Locale[];

/** The E.164 form of a valid phone number (`+1 (555) 123-4567` → `+15551234567`), else `null`. Throws on a non-string. */
export function normalizePhone(text: string): string | null;

/** `validateCustomer` over an array. Throws on a non-array. */
export function validateMany(records: readonly unknown[], options?: TextOptions): Report[];

/** The customer types, in the API documentation's order. */
export const CUSTOMER_TYPES: readonly CustomerType[];
/** The statuses. */
export const STATUSES: readonly Status[];
/** The longest value of each text field, in characters (for `maxlength`). */
export const LIMITS: Readonly<{ first_name: number; last_name: number; phone_number: number; email: number }>;

/** What `init` can load the module from. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Browser build: loads the `.wasm` (by default from beside the module, by URL) and must be
 * awaited before the validators are used. Node build: does nothing (the module loads at import).
 */
export default function init(moduleOrPath?: InitInput | Promise<InitInput>): Promise<void>;

/** Browser build: instantiates synchronously from bytes or a compiled module. Node build: does nothing. */
export function initSync(module: BufferSource | WebAssembly.Module): void;
