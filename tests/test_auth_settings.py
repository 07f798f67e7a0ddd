"""AUTH rules that depend on what the whole project configures: settings modules, middleware,
lockout packages, throttles and CSRF extensions. Each case is a small project written to disk
and scanned as a whole, with its near miss beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

import analyzer
from analyzer.config import Config
from analyzer.rules.auth.cookies import names_cookie_credential
from analyzer.rules.auth.login_throttle import endpoint_kind

MIDDLEWARE_WITHOUT_CSRF = '''
SECRET_KEY = "x"
ROOT_URLCONF = "config.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
'''


def scan(tmp_path: Path, files: dict[str, str], select: str = "AUTH") -> list[tuple[str, int, str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Config(root=tmp_path.resolve(), select=(select,))
    report = analyzer.analyze([tmp_path], config)
    return [(f.path, f.line, f.rule) for f in report.findings]


def test_middleware_without_csrf_is_reported_at_the_assignment(tmp_path: Path) -> None:
    assert scan(tmp_path, {"config/settings.py": MIDDLEWARE_WITHOUT_CSRF}) == [("config/settings.py", 5, "AUTH004")]


def test_csrf_middleware_added_by_another_settings_module_counts(tmp_path: Path) -> None:
    files = {"config/settings.py": MIDDLEWARE_WITHOUT_CSRF,
             "config/production.py": 'from .settings import *\n\n'
                                     'MIDDLEWARE += ["django.middleware.csrf.CsrfViewMiddleware"]\n'
                                     'SESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n'}
    assert scan(tmp_path, files) == []


def test_production_settings_must_turn_the_secure_flags_on(tmp_path: Path) -> None:
    files = {"config/settings/base.py": 'SECRET_KEY = "x"\nROOT_URLCONF = "config.urls"\n',
             "config/settings/production.py": 'from .base import *\n\nDEBUG = False\nALLOWED_HOSTS = ["a.example"]\n'}
    assert scan(tmp_path, files) == [("config/settings/production.py", 3, "AUTH003")]
    (tmp_path / "config/settings/base.py").write_text(
        'SECRET_KEY = "x"\nSESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True\n', encoding="utf-8")
    assert scan(tmp_path, {}) == []


FLASK_LOGIN_APP = '''
from flask import Flask, redirect, request
from flask_login import LoginManager, login_required, login_user

app = Flask(__name__)
login_manager = LoginManager(app)


@app.post("/settings")
@login_required
def save_settings():
    return redirect("/")
'''


def test_flask_session_login_without_csrf_protect(tmp_path: Path) -> None:
    assert scan(tmp_path, {"app.py": FLASK_LOGIN_APP}) == [("app.py", 5, "AUTH004")]


def test_flask_csrf_protect_anywhere_in_the_project_counts(tmp_path: Path) -> None:
    extensions = "from flask_wtf.csrf import CSRFProtect\n\ncsrf = CSRFProtect()\n"
    files = {"app.py": FLASK_LOGIN_APP, "extensions.py": extensions}
    assert scan(tmp_path, files) == []


def test_flask_api_without_sessions_needs_no_csrf_protect(tmp_path: Path) -> None:
    api = 'from flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.post("/items")\n' \
          'def create_item():\n    return {"key": request.headers["X-Api-Key"]}\n'
    assert scan(tmp_path, {"app.py": api}) == []


SIMPLEJWT_URLS = '''
from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

urlpatterns = [path("api/token/", TokenObtainPairView.as_view(), name="token")]
'''


@pytest.mark.parametrize(("settings", "reported"), [
    ('SECRET_KEY = "x"\nROOT_URLCONF = "urls"\n', True),
    ('SECRET_KEY = "x"\nROOT_URLCONF = "urls"\nREST_FRAMEWORK = {\n'
     '    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],\n}\n', False),
    ('SECRET_KEY = "x"\nROOT_URLCONF = "urls"\nINSTALLED_APPS = ["django.contrib.auth", "axes"]\n', False),
    ('SECRET_KEY = "x"\nROOT_URLCONF = "urls"\nREST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": []}\n', True),
])
def test_token_view_is_covered_by_project_wide_throttles(tmp_path: Path, settings: str, reported: bool) -> None:
    found = scan(tmp_path, {"urls.py": SIMPLEJWT_URLS, "settings.py": settings}, select="AUTH005")
    assert found == ([("urls.py", 5, "AUTH005")] if reported else [])


@pytest.mark.parametrize(("name", "kind"), [
    ("login", "login"), ("sign_in", "login"), ("LoginView", "login"), ("login_access_token", "login"),
    ("obtain_token", "token"), ("get_token", "token"), ("password_reset", "password reset"),
    ("ForgotPasswordView", "password reset"), ("recover_password", "password reset"), ("verify_otp", "one-time code"),
    ("verify_reset_code", "one-time code"),
    ("login_required", None), ("logout", None), ("TokenViewSet", None), ("revoke_token", None), ("add_totp", None),
    ("login_webauthn", None), ("password_reset_done", None), ("token_list", None), ("catalog", None),
])
def test_endpoint_kind_reads_names_word_by_word(name: str, kind: str | None) -> None:
    assert endpoint_kind(name) == kind


@pytest.mark.parametrize(("name", "credential"), [
    ("access_token", True), ("sessionid", True), ("remember_token", True), ("JWT_AUTH_COOKIE", True),
    ("SESSION_COOKIE_NAME", True), ("auth", True),
    ("csrftoken", False), ("XSRF-TOKEN", False), ("csrf_token", False), ("theme", False), ("token_expiry", False),
    ("django_language", False), ("SESSION_RSA_PUBLIC_KEY_NAME", False), ("api_key", True), ("login_session", True),
])
def test_cookie_names(name: str, credential: bool) -> None:
    assert names_cookie_credential(name) is credential


FASTAPI_COOKIE_APP = '''
from fastapi import Cookie, Depends, FastAPI

app = FastAPI()


def current_user(session: str = Cookie(...)):
    return session


def get_note_service(user=Depends(current_user)):
    return object()


@app.post("/notes")
def create_note(user=Depends(current_user)):
    return {}


@app.post("/drafts")
def create_draft(service=Depends(get_note_service)):
    return {}
'''


def test_cookie_routes_need_csrf_but_services_built_on_the_user_are_not_logins(tmp_path: Path) -> None:
    # create_draft depends on a service that takes the user: the service is not how it authenticates.
    assert scan(tmp_path, {"main.py": FASTAPI_COOKIE_APP}) == [("main.py", 15, "AUTH004")]


def test_a_project_csrf_middleware_guards_every_route(tmp_path: Path) -> None:
    middleware = "from starlette.middleware.base import BaseHTTPMiddleware\n\n\n" \
                 "class CSRFCookieMiddleware(BaseHTTPMiddleware):\n    pass\n"
    assert scan(tmp_path, {"main.py": FASTAPI_COOKIE_APP, "csrf.py": middleware}) == []


def test_a_csrf_middleware_of_the_projects_own_counts(tmp_path: Path) -> None:
    settings = MIDDLEWARE_WITHOUT_CSRF.replace(
        '    "django.contrib.auth.middleware.AuthenticationMiddleware",\n',
        '    "django.contrib.auth.middleware.AuthenticationMiddleware",\n    "acme.middleware.CsrfCheckMiddleware",\n')
    assert scan(tmp_path, {"config/settings.py": settings}) == []


FASTAPI_LOGIN = '''
from fastapi import APIRouter

router = APIRouter()


@router.post("/v1/login-code/authenticate")
async def authenticate(code: str):
    return {"ok": code}
'''
ASGI_RATELIMIT = '''
from ratelimit import RateLimitMiddleware, Rule
from ratelimit.backends.redis import RedisBackend


def get_middleware(app, redis):
    return RateLimitMiddleware(app, authenticate, RedisBackend(redis),
                               {"^/v1/login-code": [Rule(minute=6, block_time=900)]})
'''


def test_asgi_ratelimit_middleware_guards_every_route(tmp_path: Path) -> None:
    assert scan(tmp_path, {"app/auth.py": FASTAPI_LOGIN}, select="AUTH005") == [("app/auth.py", 8, "AUTH005")]
    assert scan(tmp_path, {"app/rate_limit.py": ASGI_RATELIMIT}, select="AUTH005") == []
