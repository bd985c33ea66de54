from sqlalchemy import select

from kaiku_training.accounts.models import User
from kaiku_training.extensions import db
from tests.factories import PASSWORD, make_user


def test_sign_in_with_right_password_goes_home(client, app):
    make_user("aino@example.org", name="Aino Virtanen")
    response = client.post("/sign-in", data={"email": "Aino@Example.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/", headers={"Accept-Language": "en"})
    assert "Welcome, Aino Virtanen" in home.get_data(as_text=True)
    assert db.session.scalar(select(User.last_sign_in_at).where(User.email == "aino@example.org")) is not None


def test_wrong_password_shows_error_next_to_field(client, app):
    make_user("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    response = client.post("/sign-in", data={"email": "aino@example.org", "password": "wrong password"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in page and "The email or password is wrong." in page
    assert 'aria-describedby="password-error"' in page


def test_deactivated_person_cannot_sign_in_and_is_signed_out(client, auth, app):
    person = make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    person.active = False
    db.session.commit()
    assert client.get("/account").status_code == 302  # the live session no longer counts
    response = client.post("/sign-in", data={"email": "aino@example.org", "password": PASSWORD})
    assert response.status_code == 200


def test_next_goes_only_to_this_site(client, app):
    make_user("aino@example.org")
    for target, expected in [
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        response = client.post(f"/sign-in?next={target}", data={"email": "aino@example.org", "password": PASSWORD})
        assert response.headers["Location"] == expected, target
        client.post("/sign-out")


def test_sign_in_is_rate_limited_per_account(client, app):
    make_user("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    for _ in range(5):
        assert client.post("/sign-in", data={"email": "aino@example.org", "password": "nope-nope"}).status_code == 200
    blocked = client.post("/sign-in", data={"email": "aino@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # another account from the same address is not blocked by the per-account limit
    make_user("eero@example.org")
    assert client.post("/sign-in", data={"email": "eero@example.org", "password": PASSWORD}).status_code == 302


def test_sign_in_is_rate_limited_per_ip(app_settings, database_url):
    from kaiku_training import create_app

    app = create_app({**app_settings, "LOGIN_LIMIT_PER_IP": "3 per minute"})
    client = app.test_client()
    with app.app_context():
        for number in range(3):
            client.post("/sign-in", data={"email": f"x{number}@example.org", "password": "nope-nope"})
        assert client.post("/sign-in", data={"email": "x9@example.org", "password": "nope"}).status_code == 429


def test_successful_sign_ins_do_not_use_up_the_limit(client, app):
    make_user("aino@example.org")
    for _ in range(8):
        assert client.post("/sign-in", data={"email": "aino@example.org", "password": PASSWORD}).status_code == 302
        client.post("/sign-out")


def test_session_cookie_is_httponly_and_lax(client, app):
    make_user("aino@example.org")
    response = client.post("/sign-in", data={"email": "aino@example.org", "password": PASSWORD})
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_hashed(app):
    person = make_user("aino@example.org")
    assert PASSWORD not in person.password_hash
    assert person.password_hash.startswith(("scrypt:", "pbkdf2:"))
