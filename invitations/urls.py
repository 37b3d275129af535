from django.urls import path

from invitations import views

app_name = "invitations"
urlpatterns = [
    path("<str:token>/", views.take_invitation, name="take"),
    path("<str:token>/cam-on/", views.thanks, name="thanks"),
]
