"""The two-factor scenario of the browser test (run by run_e2e.py).

Tess signs up and turns on two-factor sign-in: the setup page draws the QR
code (an inline SVG) and shows the key, from which the test computes the
code an authenticator app would show (RFC 6238: SHA-1, six digits, 30
seconds). She keeps her ten recovery codes, signs out, signs in with her
password, is asked for a code, has a wrong one refused, signs in with a
recovery code and asks the browser to be remembered; signing in again on
this browser then needs the password only.
"""

import base64
import hashlib
import hmac
import re
import struct
import time

from selenium.webdriver.common.by import By

TESS = ("Tess", "tess@e2e.test", "tess guards the lighthouse keys 6120")


def totp(key_base32, at=None):
    key = base64.b32decode(key_base32 + "=" * (-len(key_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def run(ctx, log, check, StepFailed):
    t = ctx.browser("tess")
    _, email, password = TESS

    def sign_out():
        form = t.find('form[action="/logout"]')
        t.submit_and_wait(form.find_element(By.CSS_SELECTOR, "button"), "sign out",
                          r"/login(\?.*)?")

    def password_step(expect):
        t.get("/login")
        form = t.wait_css('form[action="/login"]', "login form")
        form.find_element(By.NAME, "email").send_keys(email)
        form.find_element(By.NAME, "password").send_keys(password)
        t.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'),
                          "sign in with the password", expect)

    log("  tess signs up and sets up two-factor sign-in")
    t.signup(TESS)
    t.get("/account/two-factor")
    form = t.wait_css('form[action="/account/two-factor/start"]', "start form")
    t.submit_and_wait(form.find_element(By.CSS_SELECTOR, "button"), "start setup",
                      r"/account/two-factor/setup(\?.*)?")
    check(t.finds(".qr svg"), "the setup page draws the QR code as inline SVG")
    key = t.find("#totp-secret").text.replace(" ", "")
    check(re.fullmatch(r"[A-Z2-7]{16,}", key), f"a base32 key is shown: {key!r}")
    form = t.find('form[action="/account/two-factor/setup"]')
    form.find_element(By.NAME, "code").send_keys(totp(key))
    t.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'),
                      "confirm the first code", r"/account/two-factor(#.*)?")
    codes = [c.text for c in t.finds(".recovery-codes code")]
    check(len(codes) == 10, f"ten recovery codes are shown once, got {codes}")
    check("Two-factor sign-in is" in t.text() or "Since" in t.text(),
          f"the page says it is on:\n{t.page_summary()}")

    log("  signing in asks for a code; a wrong one is refused")
    sign_out()
    password_step(r"/login/two-factor(\?.*)?")
    # A code from a window long past is wrong now (and never 1 in 10^6 lucky).
    wrong = totp(key, at=time.time() - 3600)
    form = t.wait_css('form[action="/login/two-factor"]', "code form")
    form.find_element(By.NAME, "code").send_keys(wrong)
    t.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'),
                      "a wrong code", r"/login/two-factor(\?.*)?")
    check(t.finds(".field-error"), f"a message beside the code:\n{t.page_summary()}")

    log("  a recovery code signs her in; this browser is remembered")
    form = t.wait_css('form[action="/login/two-factor"]', "code form")
    field = form.find_element(By.NAME, "code")
    field.clear()
    field.send_keys(codes[0])
    form.find_element(By.NAME, "remember").click()
    t.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'),
                      "sign in with a recovery code", r"/(?!login).*")

    log("  on this browser the password alone signs her in again")
    sign_out()
    password_step(r"/(?!login).*")
    check("/login" not in t.path(), f"signed in without a code:\n{t.page_summary()}")
