"""The official Python SDK (PyPI `devdraft`, generated from Devdraft's OpenAPI) against the
emulator: create, get and list work, and 409/401/400 come where the real API gives them.

Run by `cargo xtask test` as: python check_python_sdk.py BASE_URL CLIENT_KEY CLIENT_SECRET
"""
import json
import sys
import unittest
import uuid

import devdraft
from devdraft.exceptions import ApiException

BASE, KEY, SECRET = sys.argv[1:4]
del sys.argv[1:4]


def customers(secret=SECRET):
    config = devdraft.Configuration(host=BASE)
    config.api_key["x-client-key"] = KEY
    config.api_key["x-client-secret"] = secret
    return devdraft.CustomersApi(devdraft.ApiClient(config))


def new_customer(email, phone="+15551234567"):
    return devdraft.CreateCustomerDto(
        first_name="John", last_name="Doe", email=email, phone_number=phone,
        customer_type=devdraft.CustomerType.STARTUP,
    )


class PythonSdk(unittest.TestCase):
    def test_creates_gets_and_lists_customers(self):
        email = f"sdk-{uuid.uuid4().hex}@example.com"
        created = customers().customer_controller_create_with_http_info(new_customer(email))
        self.assertEqual(created.status_code, 201)
        body = json.loads(created.raw_data)
        self.assertEqual((body["email"], body["customer_type"]), (email, "Startup"))

        fetched = customers().customer_controller_find_one_with_http_info(body["id"])
        self.assertEqual(fetched.status_code, 200)
        self.assertEqual(json.loads(fetched.raw_data)["id"], body["id"])

        listed = customers().customer_controller_find_all_with_http_info(take=5, email=email.upper())
        self.assertEqual(listed.status_code, 200)
        page = json.loads(listed.raw_data)
        self.assertEqual((page["total"], page["data"][0]["id"]), (1, body["id"]))

    def test_gets_409_for_a_duplicate_email(self):
        email = f"dup-{uuid.uuid4().hex}@example.com"
        customers().customer_controller_create(new_customer(email))
        with self.assertRaises(ApiException) as raised:
            customers().customer_controller_create(new_customer(email.upper()))
        self.assertEqual(raised.exception.status, 409)

    def test_gets_401_for_a_wrong_secret(self):
        with self.assertRaises(ApiException) as raised:
            customers(secret="wrong").customer_controller_find_all()
        self.assertEqual(raised.exception.status, 401)

    def test_gets_400_for_what_the_sdk_lets_through(self):
        for dto in [new_customer("not-an-email"), new_customer(None, phone="+999123456789")]:
            with self.assertRaises(ApiException) as raised:
                customers().customer_controller_create(dto)
            self.assertEqual(raised.exception.status, 400)
            self.assertEqual(json.loads(raised.exception.body)["statusCode"], 400)


if __name__ == "__main__":
    unittest.main(verbosity=2)
