from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/home.html", {})


def take_survey(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "surveys/home.html", {"code": code})
