from django.urls import path

from surveys import privacy, views

app_name = "surveys"
urlpatterns = [
    path("", views.home, name="home"),
    path("quyen-rieng-tu/", privacy.privacy, name="privacy"),
    path("s/<str:code>/", views.take_survey, name="take"),
    path("s/<str:code>/cam-on/", views.thanks, name="thanks"),
]
