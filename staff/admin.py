"""Administration of staff roles and scope (who sees which agencies).

Both lists hold data of particular agencies (who works where), so a staff member
given view permissions sees only the rows of their scope; superusers and
unscoped roles see everything. The staff's work (comment reviews, volumes,
report jobs) is administered in dashboard/admin.py, scoped the same way
(staff.scope.ScopedAdminMixin).

Adding a staff member is one form (issue 17): the account (username, name,
e-mail, optional password), the role and the agency, picked by name with an
autocomplete, instead of a user created first and an agency typed as a number.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from staff.models import StaffProfile
from staff.scope import get_profile, scope_filter, visible_agencies, visible_profiles

User = get_user_model()


class NewStaffForm(forms.ModelForm):
    """A new staff member: account and profile together."""

    username = forms.CharField(
        label=_("tên đăng nhập"),
        max_length=150,
        help_text=_("Chữ, số và . @ + - _ (không dấu, không khoảng trắng)."),
    )
    full_name = forms.CharField(label=_("họ và tên"), max_length=150)
    email = forms.EmailField(label=_("thư điện tử"))
    password1 = forms.CharField(
        label=_("mật khẩu"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Để trống: cán bộ tự đặt mật khẩu qua “Quên mật khẩu” bằng thư điện tử."
        ),
    )
    password2 = forms.CharField(
        label=_("nhập lại mật khẩu"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    is_staff = forms.BooleanField(
        label=_("được vào trang quản trị"),
        required=False,
        help_text=_("Chỉ cho người quản trị; bảng điều khiển không cần quyền này."),
    )

    class Meta:
        model = StaffProfile
        fields = ["role", "agency", "province_code"]

    def clean_username(self) -> str:
        username = User.normalize_username(self.cleaned_data["username"])
        field = User._meta.get_field(User.USERNAME_FIELD)
        for validator in field.validators:
            validator(username)
        if User._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Tên đăng nhập này đã có người dùng."))
        return username

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first or second:
            if first != second:
                self.add_error("password2", _("Hai mật khẩu không khớp."))
            else:
                user = User(username=data.get("username", ""), email=data.get("email"))
                try:
                    password_validation.validate_password(first, user)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        role, agency = data.get("role"), data.get("agency")
        if role == StaffProfile.Role.AGENCY_MANAGER and agency is None:
            self.add_error("agency", _("Lãnh đạo cơ quan cần có cơ quan."))
        if role == StaffProfile.Role.PROVINCIAL_ANALYST:
            if not data.get("province_code") and agency is not None:
                data["province_code"] = agency.province_code
            if not data.get("province_code"):
                self.add_error("province_code", _("Chuyên viên tỉnh cần mã tỉnh."))
        return data

    def create_user(self):
        data = self.cleaned_data
        user = User(
            username=data["username"],
            email=data["email"],
            first_name=data["full_name"],
            is_staff=data["is_staff"],
        )
        if data.get("password1"):
            user.set_password(data["password1"])
        else:
            user.set_unusable_password()
        user.save()
        return user


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "full_name", "role", "agency", "province_code"]
    list_filter = ["role", "province_code"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__email", "agency__code", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    add_fieldsets = [
        (
            _("Tài khoản"),
            {"fields": ["username", "full_name", "email", "password1", "password2"]},
        ),
        (_("Vai trò và phạm vi"), {"fields": ["role", "agency", "province_code"]}),
        (_("Quản trị"), {"fields": ["is_staff"]}),
    ]

    @admin.display(description=_("họ và tên"), ordering="user__first_name")
    def full_name(self, profile: StaffProfile) -> str:
        return profile.user.get_full_name() or "—"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(pk__in=visible_profiles(request.user))
        )

    def get_fieldsets(self, request, obj=None):
        return (
            self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = NewStaffForm
            kwargs["fields"] = None
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A scoped administrator places staff only in agencies of their scope.
        scoped = scope_filter(get_profile(request.user)) is not None
        if db_field.name == "agency" and scoped:
            kwargs["queryset"] = visible_agencies(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        with transaction.atomic():
            obj.user = form.create_user()
            super().save_model(request, obj, form, change)


class ScopedUserAdmin(UserAdmin):
    """Accounts: a scoped staff member sees themself and the staff of their scope."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope_filter(get_profile(request.user)) is None:
            return queryset
        staff = visible_profiles(request.user).values("user")
        return queryset.filter(pk__in=staff) | queryset.filter(pk=request.user.pk)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)
