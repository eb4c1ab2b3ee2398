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
      /** The `message` array of the API's 400 body for the same input. */
      messages: string[];
    };

/** The fields `validateField` checks. */
export type ApiField = Exclude<Field, ''>;

/** Checks a whole create-customer body (any value: a non-object is reported, not thrown). */
export function validateCustomer(input: unknown): Report;

/** Checks one field as a form does while the user types: `null` when it passes. Throws on an unknown field name. */
export function validateField(field: ApiField, value: unknown): FieldError | null;

/** The E.164 form of a valid phone number (`+1 (555) 123-4567` → `+15551234567`), else `null`. Throws on a non-string. */
export function normalizePhone(text: string): string | null;

/** `validateCustomer` over an array. Throws on a non-array. */
export function validateMany(records: readonly unknown[]): Report[];

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
