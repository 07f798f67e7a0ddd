from django.conf import settings
from django.shortcuts import redirect


def sign_in(request, user, token):
    response = redirect("dashboard")
    response.set_cookie("access_token", token, max_age=3600)
    response.set_cookie(
        settings.JWT_REFRESH_COOKIE,
        user.refresh_token,
        max_age=14 * 86400,
    )
    response.set_cookie("sessionid", token, httponly=False, secure=True, samesite="Strict")
    response.set_cookie("api_key", token, httponly=True, secure=True)
    return response
